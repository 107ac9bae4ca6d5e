package org.mpsl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mpsl4j.cli.report.PrivacyPlot;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.engine.privacy.PrivacySettings;
import org.mpsl4j.engine.sim.SimulationConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.privacy.audit.AttackReport;
import org.mpsl4j.privacy.audit.PrivacyAudit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j privacy}: trains each configuration of defenses in the embedded simulation with a tap on the server,
 * runs every attack on what the server received, and prints each attack's score next to test accuracy; writes
 * {@code results/privacy-<time>/}: {@code results.json}, {@code attacks.csv}, {@code privacy.png}.
 */
@Command(name = "privacy", mixinStandardHelpOptions = true,
    description = "Attack what the server receives under each configuration of defenses; print label-attack accuracy, "
        + "leak AUC and reconstruction PSNR/SSIM next to test accuracy (docs/PRIVACY.md).")
final class PrivacyCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;
  @Mixin PrivacyOptions privacy;

  @Option(names = "--configs", split = ",", defaultValue = "plain,head-client,label-dp,grad-noise,client-seed,private",
      description = "Configurations: plain (no defense), head-client (U-shaped), head-fixed (U-shaped, untrained common "
          + "head), label-dp (--label-epsilon), grad-noise "
          + "(--grad-noise), class-noise (--class-noise), marvell-noise (--marvell-noise), norm-eq (--equalize-norms), no-loss (loss/correct off), client-seed (tokenizers from --client-seed), act-noise "
          + "(--activation-noise), mix (the head on the clients, --head client or client-fixed, trained on mixes: "
          + "--mix-representations), logit-noise (the head on the clients, --logit-noise), private (the head on the "
          + "clients, --head client or client-fixed, with every defense set by the options and loss/correct off; with "
          + "--secure-aggregation or --private-average, the private configuration averages that way; with the shared tokenizer "
          + "and neither, it takes --private-average) "
          + "(default: ${DEFAULT-VALUE}).")
  List<String> configs;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--out", description = "Results folder (default: results/privacy-<time>).")
  Path out;

  @Override
  public Integer call() throws Exception {
    DatasetSplit split = x.load();
    String placement = x.head;
    x.head = "server";
    ModelConfig serverHead = x.model(split);
    ModelConfig clientHead = serverHead.withHead(serverHead.head().onClients());
    ModelConfig fixedHead = serverHead.withHead(serverHead.head().placed(HeadConfig.Placement.CLIENT_FIXED));
    ModelConfig privateHead = placement.equals("client-fixed") ? fixedHead : clientHead;
    PrivacySettings chosen = privacy.settings();
    if (chosen.clientSeed() == null) {
      chosen = chosen.withClientSeed(x.seed + 1_000_003L); // a seed the server is not told
    }
    // Noise and randomized response from the run's seed (each client its own stream), so an audit row repeats.
    chosen = chosen.withNoiseSeed(x.seed);
    List<AttackReport> reports = new ArrayList<>();
    Path dir = RunReport.directory(out, "privacy");
    Files.createDirectories(dir);
    System.out.printf("privacy audit: %s, %d train / %d test, %d clients (alpha %s), %d epochs; defenses: %s%n",
        x.dataset, split.train().size(), split.test().size(), x.clients, x.alpha, x.epochs, chosen);
    for (String name : configs) {
      PrivacySettings none = PrivacySettings.NONE.withNoiseSeed(x.seed);
      ModelConfig model = switch (name) {
        case "head-client" -> clientHead;
        case "head-fixed" -> fixedHead;
        case "private", "mix", "logit-noise" -> privateHead;
        default -> serverHead;
      };
      PrivacySettings settings = switch (name) {
        case "plain", "head-client", "head-fixed" -> none;
        case "label-dp" -> none.withLabelEpsilon(chosen.labelEpsilon());
        case "grad-noise" -> none.withGradientNoise(chosen.gradientNoise());
        case "class-noise" -> none.withClassNoise(chosen.classNoise());
        case "marvell-noise" -> none.withMarvellNoise(chosen.marvellNoise());
        case "norm-eq" -> none.withEqualizedNorms(true);
        case "no-loss" -> none.withReportLoss(false);
        case "client-seed" -> none.withClientSeed(chosen.clientSeed());
        case "act-noise" -> none.withActivationNoise(chosen.activationNoise());
        case "mix" -> none.withMixing(chosen.mixRepresentations());
        case "logit-noise" -> none.withLogitNoise(chosen.logitNoise());
        case "private" -> chosen.withReportLoss(false);
        default -> throw new IllegalArgumentException("unknown configuration '" + name + "'; see --help");
      };
      // A shared tokenizer held by the server (the default) gives it every input: the private configuration keeps
      // it on the clients (--private-average) unless the user chose how to average.
      boolean implied = name.equals("private") && x.tokenizerPolicy().sharedGradients() && !x.aggregation.privateAverage
          && !x.aggregation.secureAggregation;
      if (implied) {
        x.aggregation.privateAverage = true;
        System.out.println("private: --private-average implied (the shared tokenizer stays on the clients)");
      }
      SimulationConfig config = x.config(model, threads);
      long start = System.nanoTime();
      AttackReport r;
      try {
        r = name.equals("private") ? PrivacyAudit.run(name, config, settings, split, x::configureServer)
            : PrivacyAudit.run(name, config, settings, split);
      } finally {
        if (implied) {
          x.aggregation.privateAverage = false;
        }
      }
      reports.add(r);
      System.out.printf(Locale.ROOT, "%s done in %.0f s; test accuracy by epoch: %s%n", name,
          (System.nanoTime() - start) / 1e9, byEpoch(r, ", "));
      writeResults(dir, reports, chosen);
    }
    System.out.println();
    table(reports).print(System.out);
    System.out.println("wrote " + dir.resolve("results.json") + ", " + dir.resolve("attacks.csv") + ", "
        + dir.resolve(PrivacyPlot.write(dir, reports)));
    return 0;
  }

  private void writeResults(Path dir, List<AttackReport> reports, PrivacySettings chosen) throws java.io.IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("dataset", x.dataset);
    json.put("clients", x.clients);
    json.put("alpha", x.alpha);
    json.put("epochs", x.epochs);
    json.put("defenses", chosen.toString());
    json.put("reports", reports);
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(), json);
    StringBuilder csv = new StringBuilder("configuration,test_acc,test_acc_by_epoch,samples,chance,exact_rule,head_inversion,norm_auc,cosine_auc,"
        + "cosine_acc,centroid_acc,centroid_chance,centroid_balanced_acc,centroid_auc,cluster_purity,cluster_chance,batch_sum_purity,batch_sum_chance,loss_matching,histogram_tv,psnr,ssim,exact_inputs,psnr_avg,ssim_avg,psnr_blank,ssim_blank,"
        + "psnr_opt,ssim_opt,psnr_blind,ssim_blind\n");
    for (AttackReport r : reports) {
      csv.append(String.join(",", r.configuration(), f(r.testAccuracy()), byEpoch(r, " "), Integer.toString(r.samples()), f(r.chance()),
          f(r.exactRule()), f(r.headInversion()), f(r.normLeakAuc()), f(r.cosineLeakAuc()), f(r.cosineAccuracy()), f(r.centroidAccuracy()),
          f(r.centroidChance()), f(r.centroidBalancedAccuracy()), f(r.centroidLeakAuc()), f(r.clusterPurity()),
          f(r.clusterChance()), f(r.batchSumPurity()), f(r.batchSumChance()), f(r.lossMatching()), f(r.histogramError()), f(r.psnr()), f(r.ssim()),
          f(r.exactInputs()), f(r.psnrFromAverage()), f(r.ssimFromAverage()), f(r.psnrBlank()),
          f(r.ssimBlank()), f(r.psnrOptimized()), f(r.ssimOptimized()), f(r.psnrBlind()), f(r.ssimBlind())))
          .append('\n');
    }
    Files.writeString(dir.resolve("attacks.csv"), csv);
  }

  static Table table(List<AttackReport> reports) {
    Table t = new Table("configuration", "test acc", "exact rule", "head inv", "cosine acc", "centroids (chance)",
        "centroids balanced", "cluster (chance)",
        "batch sums (chance)", "loss match",
        "chance", "norm AUC", "cosine AUC", "centroid AUC", "PSNR dB", "SSIM", "exact imgs", "PSNR avg-W", "SSIM avg-W", "PSNR/SSIM opt", "PSNR/SSIM blind", "PSNR/SSIM blank");
    for (AttackReport r : reports) {
      t.row(r.configuration(), pct(r.testAccuracy()), pct(r.exactRule()), pct(r.headInversion()), pct(r.cosineAccuracy()),
          pct(r.centroidAccuracy()) + " (" + pct(r.centroidChance()) + ")", pct(r.centroidBalancedAccuracy()),
          pct(r.clusterPurity()) + " (" + pct(r.clusterChance()) + ")",
          pct(r.batchSumPurity()) + " (" + pct(r.batchSumChance()) + ")", pct(r.lossMatching()), pct(r.chance()),
          f2(r.normLeakAuc()), f2(r.cosineLeakAuc()), f2(r.centroidLeakAuc()), f1(r.psnr()), f2(r.ssim()), pct(r.exactInputs()),
          f1(r.psnrFromAverage()), f2(r.ssimFromAverage()), f1(r.psnrOptimized()) + " / " + f2(r.ssimOptimized()),
          f1(r.psnrBlind()) + " / " + f2(r.ssimBlind()), f1(r.psnrBlank()) + " / " + f2(r.ssimBlank()));
    }
    return t;
  }

  /** Test accuracy after each epoch, in percent, joined by {@code separator}. */
  static String byEpoch(AttackReport r, String separator) {
    return String.join(separator, r.epochTestAccuracies().stream()
        .map(a -> String.format(Locale.ROOT, "%.1f", 100 * a)).toList());
  }

  private static String f(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String pct(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
  }

  private static String f1(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String f2(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.2f", v);
  }
}
