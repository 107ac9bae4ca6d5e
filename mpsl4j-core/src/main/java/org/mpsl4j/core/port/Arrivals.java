package org.mpsl4j.core.port;

import java.util.List;

/**
 * The replies of one phase that arrived in time and passed the transport's checks, in the order the
 * clients were asked. {@code missedClients} names the clients that did not answer in time or whose answer
 * was rejected; a client that had nothing to send (its epoch is used up) is neither.
 */
public record Arrivals<T>(List<T> arrived, List<String> missedClients) {
  public Arrivals {
    arrived = List.copyOf(arrived);
    missedClients = List.copyOf(missedClients);
  }

  /** Everything arrived. */
  public static <T> Arrivals<T> all(List<T> arrived) {
    return new Arrivals<>(arrived, List.of());
  }

  /** How many clients missed the phase. */
  public int missed() {
    return missedClients.size();
  }
}
