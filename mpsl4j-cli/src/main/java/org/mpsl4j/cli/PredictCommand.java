package org.mpsl4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.manifest.PredictionInputs;
import org.mpsl4j.engine.ConfusionMatrix;
import org.mpsl4j.engine.TrainedModel;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mpsl4j predict}: classifies new inputs with a trained global model (the folder {@code simulate} or
 * {@code server} wrote) and prints each input's class and probability. The dataset and model options must be those of
 * the training run: they rebuild the model and the preprocessing (picture size, normalization, log-mel settings).
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Classify files or the rows of a manifest (labels optional) with a trained model.")
final class PredictCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--model", required = true, description = "Folder of the trained model (server.safetensors and"
      + " tokenizers.safetensors), e.g. results/simulate-<time>.")
  Path model;

  @Option(names = "--rows", description = "A manifest (CSV or JSON lines, docs/OWN_DATA.md) of inputs with the"
      + " training data's modality columns; 'label' may be left out.")
  Path rows;

  @Parameters(arity = "0..*", paramLabel = "FILE", description = "Pictures or sounds, for a model with one such input.")
  List<Path> files = new ArrayList<>();

  @Option(names = "--out", description = "Also write the predictions to this CSV file (input,class,probability).")
  Path out;

  @Option(names = "--head-file", description = "A client's head (written by `client --head-out`), for a model whose"
      + " head stayed on the clients (--head client-fixed: a deployed server saves no head).")
  Path headFile;

  @Option(names = "--batch", defaultValue = "64", description = "Inputs per forward pass (default: ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    if ((rows == null) == files.isEmpty()) {
      System.err.println("error: give either FILE arguments or --rows <manifest>, not " + (rows == null ? "neither"
          : "both"));
      return 2;
    }
    if (batch < 1) {
      System.err.println("error: --batch must be >= 1 but was " + batch);
      return 2;
    }
    try {
      TrainedModel.requireFiles(model); // before the dataset loads: a wrong folder is refused at once
    } catch (IOException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    DatasetSplit split = x.load(System.err); // stdout carries only the predictions
    ModelConfig config = x.model(split);
    long t0 = System.nanoTime();
    PredictionInputs.Inputs inputs;
    try {
      PredictionInputs prep = TrainedModels.inputs(x, split.train());
      inputs = rows != null ? prep.rows(rows) : prep.files(files);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      return 2;
    }
    double decodeSeconds = (System.nanoTime() - t0) / 1e9;
    List<String> classes = split.train().classNames();
    try (TrainedModel trained = TrainedModel.load(model, config, headFile)) {
      long t1 = System.nanoTime();
      float[] p = trained.probabilities(inputs.data(), batch);
      double forwardSeconds = (System.nanoTime() - t1) / 1e9;
      int c = trained.classes();
      int[] best = ConfusionMatrix.argmax(p, c);
      StringBuilder csv = new StringBuilder("input,class,probability\n");
      PrintStream stdout = System.out;
      for (int i = 0; i < best.length; i++) {
        String name = inputs.names().get(i);
        String cls = classes.get(best[i]);
        float prob = p[i * c + best[i]];
        stdout.printf("%s\t%s\t%.4f%n", name, cls, prob);
        csv.append(TrainedModels.csvField(name)).append(',').append(TrainedModels.csvField(cls)).append(',')
            .append(String.format("%.6f", prob)).append('\n');
      }
      if (out != null) {
        Files.writeString(out, csv);
      }
      int n = best.length;
      System.err.printf("classified %d inputs: decoding %.2f s, model %.2f s (%.1f inputs/s)%s%n", n, decodeSeconds,
          forwardSeconds, n / Math.max(forwardSeconds, 1e-9), out == null ? "" : "; wrote " + out);
      if (inputs.allLabelled() && n > 0) {
        System.err.printf("all inputs carry a label: accuracy %.2f%% (mpsl4j evaluate --rows gives the per-class"
            + " table)%n", 100 * ConfusionMatrix.of(inputs.labels(), best, c).accuracy());
      }
    }
    return 0;
  }
}
