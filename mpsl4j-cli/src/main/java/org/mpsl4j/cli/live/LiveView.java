package org.mpsl4j.cli.live;

import java.io.IOException;
import org.mpsl4j.engine.mpsl.MpslServer;

/** {@code server --http-port}: the status page and the metrics of one server, fed by its events. */
public final class LiveView implements AutoCloseable {
  private final LiveStatus status;
  private final LiveMetrics metrics;
  private final StatusServer http;

  private LiveView(LiveStatus status, LiveMetrics metrics, StatusServer http) {
    this.status = status;
    this.metrics = metrics;
    this.http = http;
  }

  /** Starts serving and prints the page's address (scripts and tests read that line). */
  public static LiveView start(MpslServer server, int epochs, String host, int port) throws IOException {
    LiveStatus status = new LiveStatus(epochs, server::bytesByClient);
    LiveMetrics metrics = new LiveMetrics(server::bytesByClient);
    server.observe(status).observe(metrics);
    StatusServer http = new StatusServer(host, port, status, metrics);
    System.out.printf("status page on http://%s:%d/ (metrics on /metrics)%n", host, http.port());
    System.out.flush();
    return new LiveView(status, metrics, http);
  }

  /** The global model's test accuracy of an epoch (1-based) after the command evaluated it. */
  public void testAccuracy(int epoch, double accuracy) {
    status.testAccuracy(epoch, accuracy);
    metrics.testAccuracy(accuracy);
  }

  @Override
  public void close() {
    http.close();
  }
}
