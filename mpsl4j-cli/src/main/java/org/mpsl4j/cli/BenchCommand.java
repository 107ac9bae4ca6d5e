package org.mpsl4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.bench.StepBenchmark;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mpsl4j bench step}: training-step time of reference model shapes, as a table and JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmark one training step (forward+backward+Adam) of reference model shapes.")
final class BenchCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "vit-tiny", description = "vit-tiny | minilm | all (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--batch", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--warmup", defaultValue = "2", description = "Warm-up iterations (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--iterations", defaultValue = "5", description = "Measured iterations (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--out", defaultValue = "results/bench-step.json", description = "JSON output (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  public Integer call() throws Exception {
    List<StepBenchmark.Result> results = new ArrayList<>();
    if (model.equals("vit-tiny") || model.equals("all")) {
      ModelConfig vitTiny = ModelConfig.builder().addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16))
          .setEncoder(EncoderConfig.vitTiny()).setHead(HeadConfig.classification(10)).build();
      results.add(StepBenchmark.run("ViT-Tiny (12x192, 197 tokens)", vitTiny, batch, warmup, iterations, 1));
    }
    if (model.equals("minilm") || model.equals("all")) {
      ModelConfig miniLm = ModelConfig.builder().addTokenizer(TokenizerSpec.image("image", 1, 28, 28, 4))
          .setEncoder(EncoderConfig.miniLmL6()).setHead(HeadConfig.classification(10)).build();
      results.add(StepBenchmark.run("MiniLM shape (6x384, 50 tokens)", miniLm, batch, warmup, iterations, 1));
    }
    if (results.isEmpty()) {
      throw new IllegalArgumentException("unknown --model '" + model + "' (vit-tiny, minilm, all)");
    }
    Table t = new Table("model", "batch", "fwd median s", "train step median s", "min s", "max s", "train samples/s");
    for (StepBenchmark.Result r : results) {
      t.row(r.model(), r.batch(), String.format("%.3f", r.forward().median()), String.format("%.3f", r.trainStep().median()),
          String.format("%.3f", r.trainStep().min()), String.format("%.3f", r.trainStep().max()),
          String.format("%.1f", r.trainSamplesPerSecond()));
    }
    System.out.printf("threads: %s (ai.djl.pytorch.num_threads), %d iterations after %d warm-up%n",
        System.getProperty("ai.djl.pytorch.num_threads", "default"), iterations, warmup);
    t.print(System.out);
    Files.createDirectories(out.toAbsolutePath().getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), results);
    System.out.println("wrote " + out);
    return 0;
  }
}
