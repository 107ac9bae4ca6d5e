package org.mpsl4j.data;

/**
 * A data source is missing or cannot be fetched. The message names the source and says exactly how to obtain it, so
 * that a command-line tool can print it alone, without a stack trace.
 */
public class DataUnavailableException extends RuntimeException {

  public DataUnavailableException(String message) {
    super(message);
  }

  public DataUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
