package org.mpsl4j.engine.baselines;

import java.util.List;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.Hello;
import org.mpsl4j.protocol.v1.ServerMessage;

/**
 * The client side of a baseline: reacts to one server message at a time with the replies to send.
 * This base handles the session (Welcome, TrainingDone, Error); subclasses handle the method's
 * messages in {@link #handle}. Labels are used only inside the subclasses and never put in a message
 * (the protocol has no field for them).
 *
 * <p>Not thread-safe: the transport delivers one message at a time. {@link #close()} frees the model.
 */
public abstract class BaselineClient implements AutoCloseable {
  private final String clientId;
  private final List<String> inputs;
  private final int trainSamples;
  private final int batchSize;
  private long sessionId;
  private volatile boolean done;
  private volatile String lastError;

  protected BaselineClient(String clientId, List<TokenizerSpec> tokenizers, int trainSamples, int batchSize) {
    if (trainSamples < 1) {
      throw new IllegalArgumentException("client '" + clientId + "' has no training samples");
    }
    this.clientId = clientId;
    this.inputs = tokenizers.stream().map(TokenizerSpec::input).toList();
    this.trainSamples = trainSamples;
    this.batchSize = batchSize;
  }

  public final String clientId() {
    return clientId;
  }

  public final boolean done() {
    return done;
  }

  /** The last error the server reported, or null. */
  public final String lastError() {
    return lastError;
  }

  public final ClientMessage hello() {
    return ClientMessage.newBuilder().setHello(Hello.newBuilder().setClientId(clientId).addAllInputs(inputs)
        .setTrainSamples(trainSamples).setBatchSize(batchSize)).build();
  }

  /** Handles one server message; returns the replies to send, in order (often none). */
  public final List<ClientMessage> onMessage(ServerMessage m) {
    return switch (m.getBodyCase()) {
      case WELCOME -> {
        sessionId = m.getSessionId();
        yield List.of();
      }
      case DONE -> {
        done = true;
        yield List.of();
      }
      case ERROR -> {
        lastError = m.getError().getCode() + ": " + m.getError().getMessage();
        yield List.of();
      }
      default -> handle(m);
    };
  }

  /** The method's own messages. */
  protected abstract List<ClientMessage> handle(ServerMessage m);

  /** A reply for {@code step} in this session. */
  protected final ClientMessage.Builder reply(long step) {
    return ClientMessage.newBuilder().setSessionId(sessionId).setStep(step);
  }

  @Override
  public abstract void close();
}
