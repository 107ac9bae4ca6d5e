package org.mpsl4j.engine.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.SplitLearningGrpc;

/**
 * The MPSL service over TCP (HTTP/2, gRPC's Netty transport), for a server and clients in separate
 * processes. The same {@link SplitLearningService} and {@link ClientRunner} run here as in the
 * in-process simulation; only the builders differ.
 *
 * <p>TLS: with {@link ServerTls} the server presents its certificate; with a client CA it also
 * requires every client to present a certificate signed by that CA (mutual TLS), and {@link
 * ClientIdentity} holds each session to the client id in its certificate's CN. Without TLS the
 * transport is plaintext (for a trusted network or a test).
 *
 * <p>Both ends cap messages at {@code maxMessageBytes} (see {@link
 * org.mpsl4j.engine.mpsl.MessageLimits}): a bigger message is refused by the transport before it is
 * parsed. Keep-alives find peers that vanished without closing their connection (a phone that lost
 * its network), so their sessions end and later steps do not wait for them. A connection may carry
 * only a few concurrent streams (a client needs one), so one connection cannot open a flood of them.
 */
public final class TcpTransport {
  private static final long KEEPALIVE_SECONDS = 20;
  private static final int MAX_STREAMS_PER_CONNECTION = 4;

  private TcpTransport() {}

  /**
   * The server's TLS files (PEM).
   *
   * @param certificate its certificate chain
   * @param key its private key (PKCS#8)
   * @param clientCa when not null, clients must present a certificate signed by this CA (mutual TLS)
   */
  public record ServerTls(Path certificate, Path key, Path clientCa) {
    public ServerTls {
      requireFile(certificate, "server certificate");
      requireFile(key, "server key");
      if (clientCa != null) {
        requireFile(clientCa, "client CA");
      }
    }
  }

  /**
   * A client's TLS files (PEM).
   *
   * @param ca the CA that signed the server's certificate
   * @param certificate this client's certificate for mutual TLS, or null
   * @param key its private key, or null
   */
  public record ClientTls(Path ca, Path certificate, Path key) {
    public ClientTls {
      requireFile(ca, "CA");
      if ((certificate == null) != (key == null)) {
        throw new IllegalArgumentException("a client certificate needs its key and the other way round");
      }
      if (certificate != null) {
        requireFile(certificate, "client certificate");
        requireFile(key, "client key");
      }
    }
  }

  /** Starts a plaintext server; see {@link #serve(MpslServer, String, int, int, ServerTls)}. */
  public static Server serve(MpslServer server, String host, int port, int maxMessageBytes) throws IOException {
    return serve(server, host, port, maxMessageBytes, null);
  }

  /**
   * Starts serving {@code server} on {@code host:port} (port 0 picks a free one; see {@link
   * Server#getPort()}), with TLS when {@code tls} is not null.
   */
  public static Server serve(MpslServer server, String host, int port, int maxMessageBytes, ServerTls tls)
      throws IOException {
    ServerCredentials credentials = InsecureServerCredentials.create();
    if (tls != null) {
      TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder()
          .keyManager(tls.certificate().toFile(), tls.key().toFile());
      if (tls.clientCa() != null) {
        b.trustManager(tls.clientCa().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      credentials = b.build();
    }
    Server started = NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
        .maxInboundMessageSize(maxMessageBytes)
        .executor(callbackExecutor())
        .maxConcurrentCallsPerConnection(MAX_STREAMS_PER_CONNECTION)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveTime(KEEPALIVE_SECONDS / 2, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(ServerInterceptors.intercept(new SplitLearningService(server), new ClientIdentity()))
        .build()
        .start();
    if (tls != null) {
      TlsRefusals.listen(started, detail -> server.transportRefused("TLS", detail));
    }
    return started;
  }

  /**
   * The threads that run the service's callbacks. gRPC's default is an unbounded cached pool: with 1000
   * clients the server grew to 67-79 threads competing with libtorch for the cores. The callbacks only
   * validate and queue a message for the training thread (they never block), so a pool the size of the
   * machine suffices. Idle threads end after a while, so a stopped server leaves none behind.
   */
  private static java.util.concurrent.Executor callbackExecutor() {
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
        30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "mpsl-grpc-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** A plaintext channel to a server started by {@link #serve}. */
  public static ManagedChannel connect(String host, int port, int maxMessageBytes) {
    return connect(host, port, maxMessageBytes, null);
  }

  /** A channel to a server started by {@link #serve}: TLS when {@code tls} is not null, else plaintext. */
  public static ManagedChannel connect(String host, int port, int maxMessageBytes, ClientTls tls) {
    return connect(host, port, maxMessageBytes, tls, null);
  }

  /**
   * As {@link #connect(String, int, int, ClientTls)}, with the stream's callbacks (a client's compute:
   * its tokenizer's forward, loss, backward and optimizer step) run on {@code callbacks}; null: gRPC's
   * default, an unbounded cached pool. Many simulated clients in one process should share a pool the size
   * of the machine: on the default pool 1,000 clients over TCP ran on about 130 threads, each with its own
   * libtorch thread state, contending for two cores (docs/BENCHMARKS.md, B2). The caller owns the pool.
   */
  public static ManagedChannel connect(String host, int port, int maxMessageBytes, ClientTls tls,
      java.util.concurrent.Executor callbacks) {
    ChannelCredentials credentials = InsecureChannelCredentials.create();
    if (tls != null) {
      try {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder().trustManager(tls.ca().toFile());
        if (tls.certificate() != null) {
          b.keyManager(tls.certificate().toFile(), tls.key().toFile());
        }
        credentials = b.build();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the TLS files " + tls + ": " + e.getMessage(), e);
      }
    }
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port, credentials);
    if (callbacks != null) {
      b.executor(callbacks);
    }
    return b.maxInboundMessageSize(maxMessageBytes)
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .build();
  }

  /**
   * Waits until {@code channel} is connected. A refused connection (the server is not up yet) is
   * retried until {@code timeout}; any other failure — a TLS handshake that fails, a plaintext client
   * at a TLS server or the other way round, an untrusted certificate — ends the wait at once.
   *
   * @throws IOException naming the cause, when the channel cannot connect
   */
  public static void awaitReady(ManagedChannel channel, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      ConnectivityState state = channel.getState(true);
      if (state == ConnectivityState.READY) {
        return;
      }
      if (state == ConnectivityState.TRANSIENT_FAILURE) {
        Status why = probe(channel);
        if (why.isOk()) {
          continue; // it connected meanwhile: the probe reached the server
        }
        if (why.getCode() != Status.Code.UNAVAILABLE || !refused(why)) {
          String cause = describe(why);
          throw new IOException("cannot connect to " + channel.authority() + ": " + cause + (cause.contains("alternative name")
              ? " (the server's certificate does not name the host dialled: issue it for that name, e.g. certs --host)"
              : " (if the server uses TLS, give the client its CA with --tls-ca, and with mutual TLS also"
                  + " --tls-cert and --tls-key; a plaintext server needs none of them)"));
        }
      }
      long left = end - System.nanoTime();
      if (left <= 0) {
        throw new IOException("cannot connect to " + channel.authority() + " within " + timeout.toSeconds() + " s: "
            + (state == ConnectivityState.TRANSIENT_FAILURE ? describe(probe(channel)) : "still " + state));
      }
      CompletableFuture<Void> changed = new CompletableFuture<>();
      channel.notifyWhenStateChanged(state, () -> changed.complete(null));
      try {
        changed.get(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ignored) {
        // look again
      }
    }
  }

  /** A fail-fast call: on a channel in TRANSIENT_FAILURE it fails at once with the last connection error. */
  private static Status probe(ManagedChannel channel) throws InterruptedException {
    CompletableFuture<Status> result = new CompletableFuture<>();
    StreamObserver<ClientMessage> out = SplitLearningGrpc.newStub(channel).session(new StreamObserver<ServerMessage>() {
      @Override
      public void onNext(ServerMessage value) {}

      @Override
      public void onError(Throwable t) {
        result.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        result.complete(Status.OK);
      }
    });
    out.onCompleted(); // a stream without Hello: the server ends it without opening a session
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Status.UNKNOWN.withDescription("no answer to a connection probe");
    }
  }

  private static boolean refused(Status s) {
    for (Throwable t = s.getCause(); t != null; t = t.getCause()) {
      if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
          || String.valueOf(t.getMessage()).contains("Connection refused")) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Status s) {
    StringBuilder b = new StringBuilder(s.getCode().toString());
    String description = s.getDescription() == null ? null : s.getDescription().lines().findFirst().orElse("");
    if (description != null) {
      b.append(": ").append(description);
    }
    Throwable root = s.getCause();
    while (root != null && root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != null && root.getMessage() != null && (description == null || !description.contains(root.getMessage()))) {
      b.append(" (").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(')');
    }
    return b.toString();
  }

  private static void requireFile(Path p, String what) {
    if (p == null || !Files.isReadable(p)) {
      throw new IllegalArgumentException("the " + what + " file " + p + " does not exist or cannot be read");
    }
  }
}
