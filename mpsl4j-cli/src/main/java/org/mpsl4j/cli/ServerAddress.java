package org.mpsl4j.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A {@code --server host:port} value, checked when it is read: a malformed value or a host name that does not
 * resolve is a usage error at once, instead of a connect loop that retries an address that can never work until
 * the connect timeout (gRPC's resolver logs a stack trace per attempt).
 */
record ServerAddress(String host, int port) {

  /** @throws IllegalArgumentException naming the value and what is wrong with it */
  static ServerAddress parse(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("--server must be host:port but was '" + value + "'");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1); // an IPv6 literal
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("--server '" + value + "': the port must be a number in 1..65535");
    }
    try {
      InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--server '" + value + "': the host name '" + host
          + "' does not resolve (no such host, or no name service reachable)");
    }
    return new ServerAddress(host, port);
  }
}
