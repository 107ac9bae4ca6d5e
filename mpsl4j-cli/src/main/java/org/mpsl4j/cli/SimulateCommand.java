package org.mpsl4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.partition.Partition;
import org.mpsl4j.engine.sim.Simulation;
import org.mpsl4j.engine.sim.SimulationResult;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mpsl4j simulate}: the embedded MPSL simulation (server + N clients in one JVM over gRPC in-process). */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Run MPSL with N in-process clients over the real protocol; print and save per-epoch results.")
final class SimulateCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;
  @Mixin PrivacyOptions privacy;

  @Option(names = "--threads", defaultValue = "2", description = "Client worker threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(names = "--out", description = "Results folder (default: results/simulate-<time>).")
  Path out;

  @Option(names = "--bundle-clients", description = "Host all simulated clients on one Bundled stream (one frame per "
      + "phase for all of them) instead of one stream each; the server sees the same sessions (docs/ARCHITECTURE.md, "
      + "\"Wire protocol\").")
  boolean bundleClients;

  @Option(names = "--stack-clients", description = "As --bundle-clients, and the clients' patch tokenizers run as "
      + "one stacked computation per phase (one image or audio input, no client blocks or client head, no FedSGD "
      + "tokenizer); other setups run per client and say why (docs/BENCHMARKS.md, B2).")
  boolean stackClients;

  @Option(names = "--diagnose", description = "After training, score the test split through every client's own "
      + "tokenizers and relate the predictions to its labels (docs/GLOBAL_MODEL.md); writes diagnosis.txt.")
  boolean diagnose;

  @Override
  public Integer call() throws Exception {
    DatasetSplit split = x.load();
    ModelConfig model = x.model(split);
    org.mpsl4j.engine.privacy.PrivacySettings defenses = privacy.settings();
    if (x.aggregation.privateAverage && defenses.clientSeed() == null) {
      System.err.println("error: --private-average needs --client-seed, the secret the clients share and the server"
          + " does not know (the clients' pads are drawn from it)");
      return 2;
    }
    Simulation sim = new Simulation(x.config(model, threads), split).configureServer(x::configureServer)
        .bundleClients(bundleClients).stackClients(stackClients);
    if (defenses.any()) { // clients without defenses are left as built (Simulation may then skip a repeated evaluation)
      sim.configureClients(c -> PrivacyOptions.applySeeded(defenses, x.seed, c, split.train().numClasses()));
    }
    Partition partition = x.partition(split);
    System.out.printf("MPSL simulation: %s, %d train / %d test, %d clients (%s), batch %d per client = %d per step%n",
        x.dataset, split.train().size(), split.test().size(), x.clients, partition.method(), x.clientBatch,
        x.clients * x.clientBatch);
    Path dir = RunReport.directory(out, "simulate");
    sim.saveModelTo(dir);
    StepProgress bar = new StepProgress();
    sim.onProgress(bar);
    StringBuilder diagnosis = new StringBuilder();
    if (diagnose) {
      sim.diagnose(d -> diagnosis.append(d.table()));
    }
    SimulationResult result;
    try {
      result = sim.run(partition, e -> {
        bar.endEpoch();
        RunReport.epochLine(System.out, e, x.epochs);
      }, s -> {});
    } finally {
      bar.endEpoch();
    }
    RunReport.summary(System.out, result, x.clients);
    if (sim.personalizedSkipped()) {
      System.out.println("personalized acc = global acc: the clients hold the server's one tokenizer and their test"
          + " shares hold every test sample once, so it was not evaluated on the clients again");
    }
    if (stackClients) {
      System.out.println("stacked client compute: " + (sim.stackedRefusal() == null ? "on"
          : "off, per-client path: " + sim.stackedRefusal()) + "; " + sim.stackedLosses()
          + " Outputs answered by one stacked loss per frame");
    }
    if (diagnose) {
      System.out.print(diagnosis);
      java.nio.file.Files.writeString(dir.resolve("diagnosis.txt"), diagnosis);
    }
    System.out.println("wrote " + RunReport.write(result, dir, partition, split) + " and the trained model ("
        + dir.resolve("server.safetensors") + ", " + dir.resolve("tokenizers.safetensors") + ")");
    return 0;
  }
}
