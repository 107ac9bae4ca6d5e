package org.mpsl4j.core.port;

import java.util.List;

/**
 * The replies of one phase that arrived in time and passed the transport's checks, in the order the
 * clients were asked. {@code missed} counts the clients that did not answer in time or whose answer
 * was rejected; a client that had nothing to send (its epoch is used up) is neither.
 */
public record Arrivals<T>(List<T> arrived, int missed) {
  public Arrivals {
    arrived = List.copyOf(arrived);
  }
}
