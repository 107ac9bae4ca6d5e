package org.mpsl4j.engine.sim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.ServerModel;

/**
 * Why a global model (server + averaged tokenizers) falls short of the personalized one
 * (docs/GLOBAL_MODEL.md). Scores the whole test split through the averaged tokenizers and through
 * every client's own tokenizers with the one server model, and relates the predictions to each
 * client's training labels:
 * <ul>
 *   <li>client-identity shortcut: a client's own tokenizers make the server predict that client's
 *       majority class for most test samples, whatever they show;
 *   <li>drifted tokenizers: own tokenizers score well on the global test set, their average badly, and
 *       they lie far from the average ({@code drift});
 *   <li>class-skewed tail steps: the global model predicts mostly the classes of the clients that train
 *       alone at the end of an epoch (the largest).
 * </ul>
 * A simulation-only tool: it reads the clients' tokenizers, which a deployed server never sees.
 *
 * @param globalAccuracy test accuracy of the averaged tokenizers
 * @param globalTopClass the class the global model predicts most often, and {@code globalTopShare} its share
 * @param testMajorityShare the test split's majority-class rate (what predicting one class scores)
 * @param clients one row per client
 */
public record GlobalModelDiagnosis(double globalAccuracy, int globalTopClass, double globalTopShare,
    double testMajorityShare, List<ClientRow> clients) {

  /**
   * @param majorityClass the most frequent class in the client's training share, {@code majorityShare} its share
   * @param ownAccuracy test accuracy through this client's own tokenizers
   * @param predictsOwnMajority share of test predictions, through its own tokenizers, that are its majority class
   * @param drift ‖θᵢ − θ̄‖ / ‖θ̄‖ over all tokenizer parameters, θ̄ the averaged tokenizers
   */
  public record ClientRow(String clientId, int trainSamples, int majorityClass, double majorityShare,
      double ownAccuracy, double predictsOwnMajority, double drift) {}

  /** Measures a trained run (call after training, before the clients close). */
  public static GlobalModelDiagnosis measure(ServerModel server, ClientModel average, List<MpslClient> clients,
      Partition partition, LabeledDataset train, LabeledDataset test) {
    int classes = test.numClasses();
    int[] testLabels = test.labels();
    int[] global = predict(average, server, test);
    int[] globalCounts = counts(global, classes);
    int top = argmax(globalCounts);
    List<ClientRow> rows = new ArrayList<>();
    int[] trainLabels = train.labels();
    for (int i = 0; i < clients.size(); i++) {
      int[] share = partition.client(i);
      int[] own = new int[classes];
      for (int idx : share) {
        own[trainLabels[idx]]++;
      }
      int majority = argmax(own);
      int[] pred = predict(clients.get(i).model(), server, test);
      rows.add(new ClientRow(clients.get(i).clientId(), share.length, majority, (double) own[majority] / share.length,
          accuracy(pred, testLabels), (double) counts(pred, classes)[majority] / pred.length,
          drift(clients.get(i).model(), average)));
    }
    return new GlobalModelDiagnosis(accuracy(global, testLabels), top, (double) globalCounts[top] / global.length,
        (double) counts(testLabels, classes)[argmax(counts(testLabels, classes))] / testLabels.length, rows);
  }

  /** Mean of a column over the clients. */
  public double mean(java.util.function.ToDoubleFunction<ClientRow> column) {
    return clients.stream().mapToDouble(column).average().orElse(Double.NaN);
  }

  /** A plain-text table and the means, for the console and docs/GLOBAL_MODEL.md. */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "global model (averaged tokenizers): %.2f %% test accuracy; predicts class %d "
        + "for %.1f %% of test samples; majority-class rate %.2f %%%n", 100 * globalAccuracy, globalTopClass,
        100 * globalTopShare, 100 * testMajorityShare));
    b.append("client | train samples | majority class (share) | own tokenizers: test acc | predicts own majority | drift\n");
    for (ClientRow r : clients) {
      b.append(String.format(Locale.ROOT, "%s | %d | %d (%.0f %%) | %.2f %% | %.1f %% | %.3f%n", r.clientId(),
          r.trainSamples(), r.majorityClass(), 100 * r.majorityShare(), 100 * r.ownAccuracy(),
          100 * r.predictsOwnMajority(), r.drift()));
    }
    b.append(String.format(Locale.ROOT, "mean over clients | | (%.0f %%) | %.2f %% | %.1f %% | %.3f%n",
        100 * mean(ClientRow::majorityShare), 100 * mean(ClientRow::ownAccuracy),
        100 * mean(ClientRow::predictsOwnMajority), mean(ClientRow::drift)));
    return b.toString();
  }

  private static int[] predict(ClientModel client, ServerModel server, LabeledDataset data) {
    int[] out = new int[data.size()];
    int batch = 256;
    try (NDManager scope = NDManager.newBaseManager(); Autograd.NoGrad ignored = Autograd.noGrad()) {
      for (int start = 0; start < data.size(); start += batch) {
        int n = Math.min(batch, data.size() - start);
        int[] idx = java.util.stream.IntStream.range(start, start + n).toArray();
        try (NDManager step = scope.newSubManager()) {
          BatchTensors b = BatchTensors.of(data.batch(idx), step);
          NDArray logits = server.forward(client.forward(b.inputs(), b.masks()), false);
          long[] p = logits.argMax(1).toLongArray();
          for (int i = 0; i < n; i++) {
            out[start + i] = (int) p[i];
          }
        }
      }
    }
    return out;
  }

  private static double drift(ClientModel own, ClientModel average) {
    double diff = 0;
    double norm = 0;
    Map<String, Parameter> avg = average.namedParameters();
    try (NDManager scope = NDManager.newBaseManager()) {
      for (Map.Entry<String, Parameter> e : own.namedParameters().entrySet()) {
        NDArray a = avg.get(e.getKey()).array().duplicate();
        a.attach(scope);
        NDArray d = e.getValue().array().duplicate();
        d.attach(scope);
        diff += d.sub(a).square().sum().getFloat();
        norm += a.square().sum().getFloat();
      }
    }
    return norm == 0 ? 0 : Math.sqrt(diff / norm);
  }

  private static int[] counts(int[] values, int classes) {
    int[] c = new int[classes];
    for (int v : values) {
      c[v]++;
    }
    return c;
  }

  private static int argmax(int[] c) {
    int best = 0;
    for (int i = 1; i < c.length; i++) {
      if (c[i] > c[best]) {
        best = i;
      }
    }
    return best;
  }

  private static double accuracy(int[] predicted, int[] labels) {
    int ok = 0;
    for (int i = 0; i < labels.length; i++) {
      if (predicted[i] == labels[i]) {
        ok++;
      }
    }
    return labels.length == 0 ? 0 : (double) ok / labels.length;
  }
}
