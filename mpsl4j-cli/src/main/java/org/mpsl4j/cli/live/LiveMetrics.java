package org.mpsl4j.cli.live;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.ServerObserver;

/**
 * The server's events as Prometheus metrics (the official Java client, {@code io.prometheus:prometheus-metrics-core}),
 * in a registry of their own that {@link StatusServer} exposes on {@code /metrics}. Thread-safe (the client's metrics
 * are).
 */
public final class LiveMetrics implements ServerObserver {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Gauge connected = Gauge.builder().name("mpsl4j_clients_connected")
      .help("Clients with an open session").register(registry);
  private final Counter joins = Counter.builder().name("mpsl4j_client_joins_total")
      .help("Sessions opened, by client and whether it is a rejoin").labelNames("client", "rejoin").register(registry);
  private final Counter drops = Counter.builder().name("mpsl4j_client_drops_total")
      .help("Sessions that ended before the end of training, by client").labelNames("client").register(registry);
  private final Gauge lastStep = Gauge.builder().name("mpsl4j_client_last_step")
      .help("Last global step whose update a client contributed to").labelNames("client").register(registry);
  private final Counter missed = Counter.builder().name("mpsl4j_client_missed_steps_total")
      .help("Steps a client was asked for but sent nothing usable in time").labelNames("client").register(registry);
  private final Counter rejections = Counter.builder().name("mpsl4j_rejections_total")
      .help("Messages or connections refused, by reason (error code, or TLS)").labelNames("reason")
      .register(registry);
  private final Counter clientRejections = Counter.builder().name("mpsl4j_client_rejections_total")
      .help("Messages of a client that were refused").labelNames("client").register(registry);
  private final Histogram stepSeconds = Histogram.builder().name("mpsl4j_step_seconds")
      .help("Wall time of a training step").classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120)
      .register(registry);
  private final Gauge stepLoss = Gauge.builder().name("mpsl4j_step_loss")
      .help("Sample-weighted mean loss the clients reported in the last step").register(registry);
  private final Gauge stepAccuracy = Gauge.builder().name("mpsl4j_step_accuracy")
      .help("Share of correct predictions the clients reported in the last step").register(registry);
  private final Gauge step = Gauge.builder().name("mpsl4j_global_step").help("Steps done").register(registry);
  private final Gauge epoch = Gauge.builder().name("mpsl4j_epoch").help("Current epoch, 1-based").register(registry);
  private final Gauge epochLoss = Gauge.builder().name("mpsl4j_epoch_loss").help("Mean training loss of the last"
      + " epoch").register(registry);
  private final Gauge epochTestAccuracy = Gauge.builder().name("mpsl4j_epoch_test_accuracy")
      .help("Global model's test accuracy after the last evaluated epoch").register(registry);

  /** @param bytesByClient the server's training bytes per client id, {up, down}, read at each scrape */
  public LiveMetrics(Supplier<Map<String, long[]>> bytesByClient) {
    CounterWithCallback.builder().name("mpsl4j_client_bytes_up_total").help("Training bytes a client sent")
        .labelNames("client").callback(cb -> bytesByClient.get().forEach((id, b) -> cb.call(b[0], id)))
        .register(registry);
    CounterWithCallback.builder().name("mpsl4j_client_bytes_down_total").help("Training bytes a client received")
        .labelNames("client").callback(cb -> bytesByClient.get().forEach((id, b) -> cb.call(b[1], id)))
        .register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void joined(String clientId, boolean rejoin) {
    connected.inc();
    joins.labelValues(clientId, String.valueOf(rejoin)).inc();
  }

  @Override
  public void left(String clientId, String reason) {
    connected.dec();
    drops.labelValues(clientId).inc();
  }

  @Override
  public void rejected(String clientId, String reason, String detail) {
    rejections.labelValues(reason).inc();
    if (!clientId.isEmpty()) {
      clientRejections.labelValues(clientId).inc();
    }
  }

  @Override
  public void stepDone(StepReport s) {
    stepSeconds.observe(s.seconds());
    step.set(s.globalStep());
    epoch.set(s.epoch() + 1);
    if (Double.isFinite(s.meanLoss())) {
      stepLoss.set(s.meanLoss());
      stepAccuracy.set(s.accuracy());
    }
    for (String id : s.contributed()) {
      lastStep.labelValues(id).set(s.globalStep());
    }
    for (String id : s.missed()) {
      missed.labelValues(id).inc();
    }
  }

  @Override
  public void epochDone(EpochStats s) {
    if (Double.isFinite(s.meanLoss())) {
      epochLoss.set(s.meanLoss());
    }
  }

  /** The global model's test accuracy, once the command has evaluated an epoch. */
  public void testAccuracy(double accuracy) {
    epochTestAccuracy.set(accuracy);
  }
}
