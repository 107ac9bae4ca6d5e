package org.mpsl4j.cli.live;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.ServerObserver;

/**
 * What the status page shows, kept from the server's events: each client's state, last step, missed steps and
 * refusals; the loss, accuracy and time of recent steps; the epochs; refusals by reason; the latest events. Bytes per
 * client are read from the server when the page asks. Thread-safe (one lock; the page polls every few seconds).
 */
public final class LiveStatus implements ServerObserver {
  /** Steps kept for the charts; older ones are dropped. */
  static final int STEPS_KEPT = 5000;
  private static final int EVENTS_KEPT = 30;

  private final int epochs;
  private final Supplier<Map<String, long[]>> bytesByClient;
  private final Map<String, Client> clients = new TreeMap<>();
  private final Deque<double[]> steps = new ArrayDeque<>(); // {globalStep, loss, accuracy, seconds}
  private final List<Map<String, Object>> epochRows = new ArrayList<>();
  private final Map<String, Long> rejections = new TreeMap<>();
  private final Deque<String> events = new ArrayDeque<>();
  private String state = "waiting for clients";
  private int epoch;
  private int stepInEpoch;
  private int stepsPerEpoch;

  private static final class Client {
    boolean connected;
    long lastStep;
    long missed;
    long rejected;
    int joins;
  }

  /**
   * @param epochs the run's epochs
   * @param bytesByClient the server's training bytes per client id, {up, down}
   */
  public LiveStatus(int epochs, Supplier<Map<String, long[]>> bytesByClient) {
    this.epochs = epochs;
    this.bytesByClient = bytesByClient;
  }

  @Override
  public synchronized void joined(String clientId, boolean rejoin) {
    Client c = clients.computeIfAbsent(clientId, k -> new Client());
    c.connected = true;
    c.joins++;
    event(clientId + (rejoin ? " rejoined" : " joined"));
  }

  @Override
  public synchronized void left(String clientId, String reason) {
    Client c = clients.computeIfAbsent(clientId, k -> new Client());
    c.connected = false;
    if (!state.equals("done")) {
      event(clientId + " dropped: " + reason);
    }
  }

  @Override
  public synchronized void rejected(String clientId, String reason, String detail) {
    rejections.merge(reason, 1L, Long::sum);
    if (!clientId.isEmpty()) {
      clients.computeIfAbsent(clientId, k -> new Client()).rejected++;
    }
    event("refused " + (clientId.isEmpty() ? "a connection" : clientId) + ": " + reason);
  }

  @Override
  public synchronized void stepDone(StepReport s) {
    state = "training";
    epoch = s.epoch();
    stepInEpoch = s.stepInEpoch() + 1;
    stepsPerEpoch = s.stepsPerEpoch();
    for (String id : s.contributed()) {
      clients.computeIfAbsent(id, k -> new Client()).lastStep = s.globalStep();
    }
    for (String id : s.missed()) {
      clients.computeIfAbsent(id, k -> new Client()).missed++;
    }
    steps.addLast(new double[] {s.globalStep(), s.meanLoss(), s.accuracy(), s.seconds()});
    if (steps.size() > STEPS_KEPT) {
      steps.removeFirst();
    }
  }

  @Override
  public synchronized void epochDone(EpochStats s) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("epoch", s.epoch() + 1);
    row.put("loss", finite(s.meanLoss()));
    row.put("trainAccuracy", finite(s.trainAccuracy()));
    row.put("personalizedAccuracy", finite(s.personalizedAccuracy()));
    row.put("testAccuracy", null);
    row.put("missed", s.missedDeadlines());
    epochRows.add(row);
  }

  /** The global model's test accuracy of an epoch (1-based), once the command has evaluated it. */
  public synchronized void testAccuracy(int epoch, double accuracy) {
    for (Map<String, Object> row : epochRows) {
      if (row.get("epoch").equals(epoch)) {
        row.put("testAccuracy", finite(accuracy));
      }
    }
  }

  @Override
  public synchronized void trainingDone() {
    state = "done";
    event("training done");
  }

  private void event(String line) {
    events.addFirst(java.time.LocalTime.now().withNano(0) + " " + line);
    if (events.size() > EVENTS_KEPT) {
      events.removeLast();
    }
  }

  /** Everything the page shows, as a JSON-ready map. */
  public synchronized Map<String, Object> snapshot() {
    Map<String, long[]> bytes = bytesByClient.get();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("state", state);
    out.put("epoch", epoch + 1);
    out.put("epochs", epochs);
    out.put("stepInEpoch", stepInEpoch);
    out.put("stepsPerEpoch", stepsPerEpoch);
    out.put("connected", clients.values().stream().filter(c -> c.connected).count());
    List<Map<String, Object>> rows = new ArrayList<>();
    clients.forEach((id, c) -> {
      Map<String, Object> r = new LinkedHashMap<>();
      long[] b = bytes.getOrDefault(id, new long[2]);
      r.put("id", id);
      r.put("connected", c.connected);
      r.put("lastStep", c.lastStep);
      r.put("missed", c.missed);
      r.put("rejected", c.rejected);
      r.put("joins", c.joins);
      r.put("bytesUp", b[0]);
      r.put("bytesDown", b[1]);
      rows.add(r);
    });
    out.put("clients", rows);
    double[][] cols = new double[4][steps.size()];
    int i = 0;
    for (double[] s : steps) {
      for (int k = 0; k < 4; k++) {
        cols[k][i] = s[k];
      }
      i++;
    }
    out.put("steps", Map.of("step", cols[0], "loss", nullIfNaN(cols[1]), "accuracy", nullIfNaN(cols[2]), "seconds",
        cols[3]));
    out.put("epochRows", epochRows);
    out.put("rejections", new TreeMap<>(rejections));
    out.put("events", new ArrayList<>(events));
    return out;
  }

  private static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  private static Double[] nullIfNaN(double[] v) {
    Double[] out = new Double[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = finite(v[i]);
    }
    return out;
  }
}
