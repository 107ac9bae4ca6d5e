package org.mpsl4j.protocol;

/** A tensor message that cannot be accepted; the message says which tensor and which field. */
public final class MalformedTensorException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedTensorException(String message) {
    super(message);
  }
}
