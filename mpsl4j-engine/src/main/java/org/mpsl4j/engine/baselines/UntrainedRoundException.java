package org.mpsl4j.engine.baselines;

/**
 * A baseline's round in which no client's reply trained the global model (every one missed the deadline or was
 * refused). Scoring the model after it would report an untrained (or less trained) model as the method's result, so
 * {@link RoundLoop} stops the method instead; {@link #result()} holds the epochs measured before, marked as failed.
 */
public final class UntrainedRoundException extends IllegalStateException {
  private final transient MethodResult result;

  UntrainedRoundException(String message, MethodResult result) {
    super(message);
    this.result = result;
  }

  /** The method's result so far, {@link MethodResult#failed failed} with this exception's message. */
  public MethodResult result() {
    return result;
  }
}
