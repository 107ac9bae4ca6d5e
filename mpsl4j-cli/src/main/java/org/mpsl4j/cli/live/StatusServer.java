package org.mpsl4j.cli.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The live view of a running server over HTTP: {@code /} the status page (plain HTML; charts by uPlot, served from
 * its WebJar under {@code /webjars/}), {@code /status.json} what the page polls, {@code /metrics} Prometheus metrics.
 * Two daemon threads serve it; {@link #close} stops them. Only GET of these paths is answered.
 */
public final class StatusServer implements AutoCloseable {
  private static final String WEBJARS = "/META-INF/resources/webjars/";
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer http;
  private final ExecutorService threads;

  public StatusServer(String host, int port, LiveStatus status, LiveMetrics metrics) throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 16);
    threads = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "mpsl-status-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(threads);
    http.createContext("/metrics", new MetricsHandler(metrics.registry()));
    http.createContext("/status.json", ex -> send(ex, 200, "application/json",
        JSON.writeValueAsBytes(status.snapshot())));
    http.createContext("/webjars/", ex -> resource(ex, WEBJARS + ex.getRequestURI().getPath().substring(9)));
    http.createContext("/", ex -> {
      if (!ex.getRequestURI().getPath().equals("/")) {
        send(ex, 404, "text/plain", "not found".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      resource(ex, "/org/mpsl4j/cli/live/status.html");
    });
    http.start();
  }

  /** The port it listens on (the one picked when 0 was asked for). */
  public int port() {
    return http.getAddress().getPort();
  }

  private static void resource(HttpExchange ex, String path) throws IOException {
    if (path.contains("..")) {
      send(ex, 400, "text/plain", "bad path".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return;
    }
    try (InputStream in = StatusServer.class.getResourceAsStream(path)) {
      if (in == null) {
        send(ex, 404, "text/plain", "not found".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      String type = path.endsWith(".html") ? "text/html; charset=utf-8" : path.endsWith(".css") ? "text/css"
          : path.endsWith(".js") ? "text/javascript" : "application/octet-stream";
      send(ex, 200, type, in.readAllBytes());
    }
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET")) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      ex.getResponseHeaders().set("Content-Type", type);
      ex.getResponseHeaders().set("Cache-Control", "no-store");
      ex.sendResponseHeaders(code, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    http.stop(0);
    threads.shutdownNow();
  }
}
