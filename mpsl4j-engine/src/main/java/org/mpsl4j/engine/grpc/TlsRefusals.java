package org.mpsl4j.engine.grpc;

import io.grpc.Server;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Makes TLS handshakes that a server refused visible: gRPC's Netty transport ends them before any stream exists, so
 * the service never sees them, and reports them only as a FINE record of its {@code ProtocolNegotiators} logger
 * ("TLS negotiation failed for new client", with the engine's settings). This handler turns each such record into one
 * line for the server's observers. The logger is JVM-wide: every TLS server of the JVM that is still running hears
 * every refusal (a deployment runs one server per process).
 */
final class TlsRefusals {
  /** The logger of the class that logs a failed server handshake, in the shaded Netty transport. */
  static final String LOGGER = "io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators";
  private static final String FAILED = "TLS negotiation failed for new client";
  private static final List<Listener> LISTENERS = new CopyOnWriteArrayList<>();
  // Held here: JUL keeps loggers weakly, and a collected logger would lose its level and handler.
  private static final Logger logger = Logger.getLogger(LOGGER);

  private record Listener(Server server, Consumer<String> report) {}

  static {
    logger.setLevel(Level.FINE);
    logger.addHandler(new Handler() {
      @Override
      public void publish(LogRecord r) {
        String message = r.getMessage();
        if (message == null || !message.startsWith(FAILED)) {
          return;
        }
        String detail = "TLS handshake refused"
            + (message.contains("Need Client Auth: true") ? " (this server requires a client certificate signed by"
                + " its --tls-client-ca)" : "")
            + (r.getThrown() == null ? "" : ": " + r.getThrown().getMessage());
        for (Listener l : LISTENERS) {
          if (l.server().isShutdown()) {
            LISTENERS.remove(l);
          } else {
            l.report().accept(detail);
          }
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
  }

  private TlsRefusals() {}

  /** Reports the refused handshakes to {@code report} while {@code server} runs. */
  static void listen(Server server, Consumer<String> report) {
    LISTENERS.add(new Listener(server, report));
  }
}
