package org.mpsl4j.engine.mpsl;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.v1.ErrorCode;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Welcome;

/**
 * Who may open a session, and how many: checks each Hello (credentials, identity, model, batch) and
 * keeps the server's bounds on streams and sessions.
 *
 * <ul>
 *   <li>Credentials: the token (per client, or one shared) and, with mutual TLS, the client id the
 *       certificate names: a Hello for another id is refused {@code UNAUTHENTICATED}.
 *   <li>One open session per client id: a client that proved its id (per-client token or certificate) and says
 *       Hello again replaces its old session (it reconnected; its old stream may not be known dead
 *       yet); without credentials a second Hello for an open id is refused. At most {@link ServerConfig#maxSessions()} open sessions
 *       ({@code SERVER_FULL} beyond); at most {@code maxSessions + 16} streams that have not said
 *       Hello yet, each of which must say it within the Hello timeout or is closed.
 *   <li>Codecs: the activation and gradient codecs the Hello asks for must be valid and allowed by the
 *       server's {@link CodecPolicy} ({@code BAD_HELLO} otherwise); the Welcome confirms them.
 *   <li>Per session, at most {@value #MAX_QUEUED_MESSAGES} messages (and three maximal messages'
 *       bytes) waiting for the training thread; more are refused, so a flood cannot fill memory.
 * </ul>
 */
final class Admission {
  /** Messages of one session that may wait for the training thread (a client needs about 3). */
  static final int MAX_QUEUED_MESSAGES = 64;
  private static final int EXTRA_PENDING_STREAMS = 16;
  private final ServerConfig config;
  private final ModelConfig model;
  private final Map<Long, Session> sessions;
  private final BlockingQueue<Inbound> inbox;
  private final Rejections rejections;
  private final ServerObserver observer;
  private final AtomicLong nextSessionId = new AtomicLong(1);
  private final AtomicInteger pendingStreams = new AtomicInteger();
  private final long maxQueuedBytes;
  final Object joinLock = new Object();
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "mpsl4j-hello-timeout");
    t.setDaemon(true);
    return t;
  });
  private volatile Duration helloTimeout = Duration.ofSeconds(30);
  private volatile int stepsPerEpoch;
  private volatile java.util.function.UnaryOperator<Welcome.Builder> welcomeExtras = w -> w;
  private volatile CodecPolicy codecs = CodecPolicy.any();
  /** Training-set size per client id where the server knows it (a seeded partition); empty: unknown. */
  private volatile Map<String, Integer> expectedSamples = Map.of();

  Admission(ServerConfig config, ModelConfig model, Map<Long, Session> sessions, BlockingQueue<Inbound> inbox,
      Rejections rejections, ServerObserver observer) {
    this.config = config;
    this.model = model;
    this.sessions = sessions;
    this.inbox = inbox;
    this.rejections = rejections;
    this.observer = observer;
    this.maxQueuedBytes = 3L * MessageLimits.maxMessageBytes(model, config.maxClientBatch());
    timer.setRemoveOnCancelPolicy(true); // a stream that said Hello leaves no task behind
  }

  /** Adds the server's position (resume step, run id, checkpoint interval) to every Welcome. */
  void welcomeExtras(java.util.function.UnaryOperator<Welcome.Builder> extras) {
    welcomeExtras = extras;
  }

  void setCodecPolicy(CodecPolicy policy) {
    codecs = policy;
  }

  /** The most training samples a Hello may declare (a policy of the operator; no cap by default). */
  private volatile int maxTrainSamples = Integer.MAX_VALUE;

  void setMaxTrainSamples(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("the training-sample cap must be >= 1 but was " + max
          + " (use --max-train-samples)");
    }
    maxTrainSamples = max;
  }

  void setExpectedSamples(Map<String, Integer> samples) {
    expectedSamples = Map.copyOf(samples);
  }

  /** Training-set size per client id where the server knows the partition; empty otherwise. */
  Map<String, Integer> expectedSamples() {
    return expectedSamples;
  }

  void setHelloTimeout(Duration timeout) {
    helloTimeout = timeout;
  }

  /** A new stream; refused at once ({@code SERVER_FULL}) when too many streams have not said Hello. */
  SessionStream open(Peer peer, String certifiedId) {
    SessionStream stream = new SessionStream(this, peer, certifiedId);
    if (pendingStreams.incrementAndGet() > config.maxSessions() + EXTRA_PENDING_STREAMS) {
      stream.refuse(ErrorCode.SERVER_FULL, "too many connections are waiting to say Hello; try again later");
      return stream;
    }
    stream.helloDeadline(timer.schedule(() -> {
      if (stream.awaitingHello()) {
        stream.refuse(ErrorCode.BAD_HELLO, "no Hello within " + helloTimeout.toMillis() + " ms");
      }
    }, helloTimeout.toMillis(), TimeUnit.MILLISECONDS));
    return stream;
  }

  /** A stream left the "awaiting Hello" state (session opened, refused or gone). */
  void streamSettled() {
    pendingStreams.decrementAndGet();
  }

  void refuse(Peer peer, long step, ErrorCode code, String message) {
    refuse(peer, "", step, code, message);
  }

  void refuse(Peer peer, String clientId, long step, ErrorCode code, String message) {
    rejections.count(code, clientId, message);
    peer.send(Session.errorMessage(0, step, code, message));
  }

  /** Queues an inbound message of an open session for the training thread, unless the session holds its share. */
  boolean enqueue(Session s, org.mpsl4j.protocol.v1.ClientMessage m) {
    if (!s.reserve(m, MAX_QUEUED_MESSAGES, maxQueuedBytes)) {
      return false;
    }
    inbox.add(new Inbound(s.id, m));
    return true;
  }

  /** Opens the session a Hello asks for, or refuses it (with an Error to the peer) and returns null. */
  Session admit(Peer peer, Hello h, String certifiedId) {
    ErrorCode[] code = {ErrorCode.BAD_HELLO};
    String problem = validate(h, certifiedId, code);
    if (problem != null) {
      refuse(peer, h.getClientId(), 0, code[0], problem);
      return null;
    }
    synchronized (joinLock) {
      int open = 0;
      for (Session s : sessions.values()) {
        if (s.connected() && s.clientId.equals(h.getClientId())) {
          if (!authenticated(certifiedId)) {
            refuse(peer, h.getClientId(), 0, ErrorCode.BAD_HELLO, "client '" + h.getClientId()
                + "' already has an open session");
            return null;
          }
          // The client proved who it is: it is reconnecting and its old stream is dead but not yet
          // noticed (keep-alives take up to 40 s). The old session ends; the new one takes its place.
          s.replace();
          observer.left(s.clientId, "replaced by a new session of the same client (its old stream was dead)");
        }
        if (s.connected()) {
          open++;
        }
      }
      if (open >= config.maxSessions()) {
        refuse(peer, h.getClientId(), 0, ErrorCode.SERVER_FULL, "the server already has its maximum of " + config.maxSessions()
            + " sessions open");
        return null;
      }
      long id = nextSessionId.getAndIncrement();
      Session s = new Session(id, h.getClientId(), h.getInputsList(), h.getTrainSamples(), h.getBatchSize(), peer,
          rejections, () -> inbox.add(Inbound.wake(id)));
      s.lastAppliedStep = h.getLastAppliedStep();
      s.runId = h.getRunId();
      s.codecs(CodecSpec.fromProto(h.getCodecUp()), CodecSpec.fromProto(h.getCodecDown())); // validated above
      if (stepsPerEpoch > 0) {
        s.send(welcome(s)); // before the training thread can see it, so Welcome precedes its first StepBegin
      }
      boolean rejoin = sessions.values().stream().anyMatch(old -> old.clientId.equals(s.clientId));
      sessions.put(s.id, s);
      joinLock.notifyAll();
      observer.joined(s.clientId, rejoin);
      return s;
    }
  }

  /** An open session's stream ended. */
  void ended(Session s, String reason) {
    observer.left(s.clientId, reason);
  }

  /** Training begins: from now on a joining client is welcomed at once. */
  void trainingStarts(int steps) {
    synchronized (joinLock) {
      stepsPerEpoch = steps;
      for (Session s : sessions.values()) {
        s.send(welcome(s));
      }
    }
  }

  private ServerMessage welcome(Session s) {
    return ServerMessage.newBuilder().setSessionId(s.id)
        .setWelcome(welcomeExtras.apply(Welcome.newBuilder().setEpochs(config.epochs()).setStepsPerEpoch(stepsPerEpoch)
            .setCodecUp(s.codecUp().toProto()).setCodecDown(s.codecDown().toProto())))
        .build();
  }

  /**
   * Whether a Hello that passed {@link #validate} proved its client id: a certificate or a per-client
   * token does; a shared token proves only membership, so it may not displace another's session.
   */
  private boolean authenticated(String certifiedId) {
    return certifiedId != null || !config.tokens().isEmpty();
  }

  private String validate(Hello h, String certifiedId, ErrorCode[] code) {
    if (h.getClientId().isBlank()) {
      return "Hello needs a client_id";
    }
    code[0] = ErrorCode.UNAUTHENTICATED;
    if (certifiedId != null && !certifiedId.equals(h.getClientId())) {
      return "the client certificate is issued to '" + certifiedId + "' but Hello claims client '" + h.getClientId()
          + "'";
    }
    if (config.sharedToken() != null || !config.tokens().isEmpty()) {
      String expected = config.tokens().isEmpty() ? config.sharedToken() : config.tokens().get(h.getClientId());
      if (expected == null || !MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
          h.getToken().getBytes(StandardCharsets.UTF_8))) {
        return "token rejected for client '" + h.getClientId() + "'";
      }
    }
    code[0] = ErrorCode.BAD_HELLO;
    List<String> want = model.tokenizers().stream().map(TokenizerSpec::input).toList();
    if (!h.getInputsList().equals(want)) {
      return "client '" + h.getClientId() + "' declares inputs " + h.getInputsList() + " but the model reads " + want;
    }
    if (!h.getModelFingerprint().equals(model.fingerprint())) {
      return "client '" + h.getClientId() + "' was built for model " + h.getModelFingerprint() + " but the server runs "
          + model.fingerprint() + ": start server and clients with the same dataset and model settings";
    }
    if (h.getBatchSize() < 1 || h.getBatchSize() > config.maxClientBatch()) {
      return "client '" + h.getClientId() + "' declares batch_size " + h.getBatchSize() + ", outside [1, "
          + config.maxClientBatch() + "], this server's limit (its --client-batch, or --clients x --client-batch with"
          + " spread or proportional batches): start server and clients with the same --clients, --client-batch and"
          + " --client-batches";
    }
    if (h.getTrainSamples() < 1) {
      return "client '" + h.getClientId() + "' has no training samples";
    }
    // The declared size sets how many steps an epoch has: a client that inflated it would lengthen every
    // epoch for everyone. A deployed server knows no partition: its operator's cap bounds the claim.
    if (h.getTrainSamples() > maxTrainSamples) {
      return "client '" + h.getClientId() + "' declares " + h.getTrainSamples() + " training samples, more than this"
          + " server's cap of " + maxTrainSamples + " per client (--max-train-samples)";
    }
    // Where the server knows the partition (the simulation), the size must be the client's share.
    Integer expected = expectedSamples.get(h.getClientId());
    if (!expectedSamples.isEmpty() && (expected == null || expected != h.getTrainSamples())) {
      return "client '" + h.getClientId() + "' declares " + h.getTrainSamples() + " training samples but the run's"
          + " partition gives it " + (expected == null ? "no share (unknown client id)" : expected);
    }
    // Once training runs, the epoch length is fixed (step numbers and checkpoint boundaries depend on
    // it): a client joining later whose share needs more steps would never reach the end of its data.
    int steps = org.mpsl4j.core.data.EpochOrder.steps(h.getTrainSamples(), h.getBatchSize());
    if (stepsPerEpoch > 0 && steps > stepsPerEpoch) {
      return "client '" + h.getClientId() + "' needs " + steps + " steps per epoch (" + h.getTrainSamples()
          + " samples in batches of " + h.getBatchSize() + ") but this run's epochs have " + stepsPerEpoch
          + ", fixed when training started; give the server the partition (it then sizes epochs for every client)"
          + " or start training with this client connected";
    }
    return codecProblem(h);
  }

  /** Why the Hello's codecs are invalid or not accepted here, or null. */
  private String codecProblem(Hello h) {
    CodecSpec up;
    CodecSpec down;
    try {
      up = CodecSpec.fromProto(h.getCodecUp());
      down = CodecSpec.fromProto(h.getCodecDown());
    } catch (IllegalArgumentException e) {
      return "client '" + h.getClientId() + "' asks for an invalid codec: " + e.getMessage();
    }
    String refusal = codecs.refusal(up, down);
    return refusal == null ? null : "client '" + h.getClientId() + "': " + refusal;
  }

  void close() {
    timer.shutdownNow();
  }
}
