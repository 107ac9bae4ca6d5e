package org.mpsl4j.privacy.audit;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.privacy.ClientPrivacy;
import org.mpsl4j.engine.privacy.PrivacySettings;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.TokenizerKind;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.privacy.attack.GradientLabelAttacks;
import org.mpsl4j.privacy.attack.HeadInversion;
import org.mpsl4j.privacy.attack.LeakAuc;
import org.mpsl4j.privacy.attack.LossMatching;
import org.mpsl4j.privacy.capture.ClientTranscript;
import org.mpsl4j.privacy.capture.WireTap;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * Runs one configuration of the embedded simulation with a {@link WireTap} on the server, then attacks the record as
 * the server would: labels from the output gradients and the reported loss, inputs from the activations. The
 * attacks see only the record and what the server holds anyway (the run's model settings and seed, the learning
 * rates it sent); the clients' real labels and inputs are used only to score them.
 */
public final class PrivacyAudit {
  private static final long SEED = 7;
  /**
   * The share of the attacked training samples whose labels the known-label centroid attack is given, spread evenly
   * over the classes (at least one per class): 3 % is 9 per class of MNIST's 3,000 training samples in the documented
   * runs, a handful of accounts an operator could hold among the clients.
   */
  static final double KNOWN_SHARE = 0.03;

  private PrivacyAudit() {}

  /**
   * Trains {@code config} on {@code data} with the clients' defenses {@code privacy} (the head's placement is in the
   * model settings) and scores every attack.
   */
  public static AttackReport run(String name, SimulationConfig config, PrivacySettings privacy, DatasetSplit data)
      throws IOException, InterruptedException {
    return run(name, config, privacy, data, server -> {});
  }

  /** As above, with {@code server} applied to the server before it trains (e.g. secure aggregation). */
  public static AttackReport run(String name, SimulationConfig config, PrivacySettings privacy, DatasetSplit data,
      java.util.function.Consumer<org.mpsl4j.engine.mpsl.MpslServer> server)
      throws IOException, InterruptedException {
    int classes = data.train().numClasses();
    Simulation simulation = new Simulation(config, data).configureServer(server).configureClients(c -> privacy.any()
        ? c.withPrivacy(new ClientPrivacy(privacy.forClient(c.clientId()), classes))
        : c);
    return run(name, simulation, config, data);
  }

  /** Trains {@code simulation} (already configured with its defenses) and scores every attack. */
  public static AttackReport run(String name, Simulation simulation, SimulationConfig config, DatasetSplit data)
      throws IOException, InterruptedException {
    WireTap tap = new WireTap();
    Partition partition = simulation.partition();
    SimulationResult result = simulation.interceptWith(tap).run(partition, e -> {}, s -> {});
    List<Double> accuracies = result.epochs().stream().map(SimulationResult.Epoch::testAccuracy).toList();
    return score(name, accuracies, ClientTranscript.all(tap), SecureSums.averages(tap, config.model()), config, data,
        partition);
  }

  /**
   * Scores the attacks on a recorded run; {@code secureAverages}: the averages the server decoded from secure
   * aggregation ({@link SecureSums}; none under a private average), used where no tokenizer was uploaded in the clear.
   */
  static AttackReport score(String name, List<Double> epochTestAccuracies, Map<String, ClientTranscript> transcripts,
      List<Map<String, float[]>> secureAverages, SimulationConfig config, DatasetSplit data, Partition partition) {
    GroundTruth truth = new GroundTruth(data.train(), partition,
        i -> config.batches().batch(partition, i, config.clientBatch()),
        config.batches().spreadSteps(partition, config.clientBatch()), config.seed());
    int classes = data.train().numClasses();
    List<float[]> gradRows = new ArrayList<>();
    List<float[][]> gradBatches = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    List<Integer> sampleIds = new ArrayList<>();
    int matched = 0;
    int matchable = 0;
    double histogramError = 0;
    int histogramClients = 0;
    List<Map<String, float[]>> clear = averages(transcripts);
    List<Map<String, float[]>> averages = clear.isEmpty() ? secureAverages : clear;
    float[] range = invertible(config) ? valueRange(data) : new float[] {0, 1};
    Reconstruction recon = new Reconstruction(config, averages, range[0], range[1]);
    int headHits = 0;
    int headTried = 0;
    try (NDManager manager = NDManager.newBaseManager()) {
      for (ClientTranscript t : transcripts.values()) {
        int index = GroundTruth.index(t.clientId());
        int[] inferred = new int[classes];
        boolean anyInferred = false;
        try (Reconstruction.Client tracked = recon.client()) {
          for (ClientTranscript.Step s : t.steps()) {
            if (!s.complete()) {
              continue;
            }
            try (NDManager scope = manager.newSubManager()) {
              int[] samples = truth.samples(index, s.begin().getEpoch(), s.begin().getStepInEpoch());
              Batch batch = data.train().batch(samples);
              float[][] rows = Wire.rows(s.outputGrad().getGrad(), scope);
              gradBatches.add(rows);
              for (int i = 0; i < rows.length; i++) {
                gradRows.add(rows[i]);
                labels.add(batch.labels()[i]);
                sampleIds.add(samples[i]);
              }
              int epoch = s.begin().getEpoch();
              float[][] server = Wire.rows(s.outputs().getValues(), scope);
              if (epoch >= 1 && averages.size() >= epoch && averages.get(epoch - 1).containsKey("head.fc.weight")
                  && server[0].length != classes) {
                Map<String, float[]> head = averages.get(epoch - 1);
                int[] guess = new HeadInversion(head.get("head.fc.weight"), classes, head.get("head.norm.weight"),
                    config.model().encoder().layerNormEps()).labels(server, rows);
                for (int i = 0; i < guess.length; i++) {
                  headHits += guess[i] == batch.labels()[i] ? 1 : 0;
                }
                headTried += guess.length;
              }
              boolean lossSent = s.outputGrad().getLoss() != 0 || s.outputGrad().getCorrect() != 0;
              float[][] logits = Wire.rows(s.outputs().getValues(), scope);
              if (lossSent && logits[0].length == classes) {
                int[] guess = LossMatching.infer(logits, s.outputGrad().getLoss(), s.outputGrad().getCorrect());
                if (guess != null) {
                  anyInferred = true;
                  for (int i = 0; i < guess.length; i++) {
                    matched += guess[i] == batch.labels()[i] ? 1 : 0;
                    inferred[guess[i]]++;
                  }
                  matchable += guess.length;
                }
              }
              tracked.step(s, batch, scope);
            }
          }
        }
        if (anyInferred) {
          histogramError += totalVariation(inferred, truth.histogram(index));
          histogramClients++;
        }
      }
    }
    float[][] rows = gradRows.toArray(new float[0][]);
    int[] y = labels.stream().mapToInt(Integer::intValue).toArray();
    boolean logitRows = rows.length > 0 && rows[0].length == classes;
    double exact = logitRows ? GradientLabelAttacks.accuracy(GradientLabelAttacks.exactRule(rows), y) : Double.NaN;
    double[] norms = GradientLabelAttacks.norms(rows);
    double normAuc = LeakAuc.meanOneVsRest(c -> norms, y, classes);
    float[][] refs = GradientLabelAttacks.references(rows, y, classes, SEED);
    double cosineAuc = LeakAuc.meanOneVsRest(
        c -> refs[c] == null ? new double[y.length] : GradientLabelAttacks.cosine(rows, refs[c]), y, classes);
    double cosineAcc = GradientLabelAttacks.accuracy(GradientLabelAttacks.nearestReference(rows, refs), y);
    int[] ids = sampleIds.stream().mapToInt(Integer::intValue).toArray();
    int knownPerClass = (int) Math.max(1, Math.round(KNOWN_SHARE * java.util.Arrays.stream(ids).distinct().count()
        / classes));
    KnownLabelScore centroid = KnownLabelScore.of(rows, ids, y, classes, knownPerClass, SEED);
    int[] clusters = GradientLabelAttacks.clusters(rows, classes, SEED);
    double purity = GradientLabelAttacks.purity(clusters, y, classes);
    int[] shuffled = y.clone();
    java.util.Random rng = new java.util.Random(SEED);
    for (int i = shuffled.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = shuffled[i];
      shuffled[i] = shuffled[j];
      shuffled[j] = tmp;
    }
    double purityChance = GradientLabelAttacks.purity(clusters, shuffled, classes);
    // The batches hold the same samples in the same order as the rows, so y and shuffled apply to them as well.
    int[] batchClusters = GradientLabelAttacks.batchSumClusters(gradBatches, classes, SEED);
    double batchPurity = GradientLabelAttacks.purity(batchClusters, y, classes);
    double batchChance = GradientLabelAttacks.purity(batchClusters, shuffled, classes);
    int[] counts = new int[classes];
    for (int label : y) {
      counts[label]++;
    }
    double chance = y.length == 0 ? Double.NaN
        : (double) java.util.Arrays.stream(counts).max().orElse(0) / y.length;
    double testAccuracy = epochTestAccuracies.get(epochTestAccuracies.size() - 1);
    return new AttackReport(name, testAccuracy, epochTestAccuracies, y.length, chance, exact,
        headTried == 0 ? Double.NaN : (double) headHits / headTried, normAuc, cosineAuc, cosineAcc,
        centroid.accuracy(), centroid.chance(), centroid.balancedAccuracy(), centroid.leakAuc(), purity,
        purityChance, batchPurity, batchChance,
        matchable == 0 ? Double.NaN : (double) matched / matchable,
        histogramClients == 0 ? Double.NaN : histogramError / histogramClients,
        recon.psnr(), recon.ssim(), recon.exactShare(), recon.psnrFromAverage(), recon.ssimFromAverage(),
        recon.blankPsnr(), recon.blankSsim(), recon.psnrOptimized(), recon.ssimOptimized(), recon.psnrBlind(),
        recon.ssimBlind());
  }

  /**
   * The smallest and largest input value over (up to 500 samples of) the test split: what the server knows of the
   * value range from public data of the same kind (its own test set), the box of the optimization attack.
   */
  static float[] valueRange(DatasetSplit data) {
    int n = Math.min(500, data.test().size());
    int[] idx = java.util.stream.IntStream.range(0, n).toArray();
    Batch b = data.test().batch(idx);
    float low = Float.POSITIVE_INFINITY;
    float high = Float.NEGATIVE_INFINITY;
    for (String input : b.inputs().keySet()) {
      for (float v : b.input(input).floats()) {
        low = Math.min(low, v);
        high = Math.max(high, v);
      }
    }
    return new float[] {low, high};
  }

  /**
   * The sample-weighted average of each epoch's tokenizer uploads, as the server computes it for the global model
   * (with secure aggregation it still learns this sum), by epoch; empty for tables sent by rows.
   */
  static List<Map<String, float[]>> averages(Map<String, ClientTranscript> transcripts) {
    List<Map<String, float[]>> out = new ArrayList<>();
    try (NDManager scope = NDManager.newBaseManager()) {
      for (int epoch = 0; ; epoch++) {
        Map<String, float[]> sum = new HashMap<>();
        long total = 0;
        for (ClientTranscript t : transcripts.values()) {
          if (t.uploads().size() <= epoch) {
            continue;
          }
          TokenizerWeights w = t.uploads().get(epoch);
          total += w.getSamples();
          for (NamedTensor p : w.getParametersList()) {
            if (p.hasRows()) {
              return out;
            }
            float[] v = Wire.values(p.getTensor(), scope);
            float[] acc = sum.computeIfAbsent(p.getName(), k -> new float[v.length]);
            for (int i = 0; i < v.length; i++) {
              acc[i] += v[i] * w.getSamples();
            }
          }
        }
        if (total == 0) {
          return out;
        }
        for (float[] acc : sum.values()) {
          for (int i = 0; i < acc.length; i++) {
            acc[i] /= total;
          }
        }
        out.add(sum);
      }
    }
  }

  private static double totalVariation(int[] a, int[] b) {
    double na = java.util.Arrays.stream(a).sum();
    double nb = java.util.Arrays.stream(b).sum();
    double tv = 0;
    for (int i = 0; i < a.length; i++) {
      tv += Math.abs(a[i] / na - b[i] / nb);
    }
    return tv / 2;
  }

  static boolean invertible(SimulationConfig config) {
    return config.model().tokenizers().stream().map(TokenizerSpec::kind).noneMatch(k -> k == TokenizerKind.TEXT);
  }
}
