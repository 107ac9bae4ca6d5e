package org.mpsl4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mpsl4j.cli.report.ConfusionPlot;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.manifest.PredictionInputs;
import org.mpsl4j.engine.ConfusionMatrix;
import org.mpsl4j.engine.TrainedModel;
import org.mpsl4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j evaluate}: scores a trained global model on labelled data: the test (or training) split of the
 * run's dataset, or a labelled manifest of new rows. Prints the accuracy and a per-class table, writes the confusion
 * matrix as a PNG and everything as JSON.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Score a trained model: accuracy, per-class precision/recall/F1, confusion matrix (PNG).")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin ExperimentOptions x;

  @Option(names = "--model", required = true, description = "Folder of the trained model, e.g. results/simulate-<time>.")
  Path model;

  @Option(names = "--rows", description = "A labelled manifest of new rows to score instead of a split of --dataset.")
  Path rows;

  @Option(names = "--split", defaultValue = "test", description = "test or train split of --dataset (default:"
      + " ${DEFAULT-VALUE}).")
  String splitName;

  @Option(names = "--out", description = "Results folder (default: results/evaluate-<time>).")
  Path out;

  @Option(names = "--head-file", description = "A client's head (written by `client --head-out`), for a model whose"
      + " head stayed on the clients (--head client-fixed: a deployed server saves no head).")
  Path headFile;

  @Option(names = "--batch", defaultValue = "64", description = "Samples per forward pass (default: ${DEFAULT-VALUE}).")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (!splitName.equals("test") && !splitName.equals("train")) {
      System.err.println("error: --split must be test or train but was '" + splitName + "'");
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
    DatasetSplit split = x.load();
    ModelConfig config = x.model(split);
    LabeledDataset data;
    int[] labels;
    String source;
    if (rows != null) {
      PredictionInputs.Inputs in;
      try {
        in = TrainedModels.inputs(x, split.train()).rows(rows);
      } catch (IllegalArgumentException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      if (!in.allLabelled()) {
        System.err.println("error: " + rows + ": every row needs a label to be scored (mpsl4j predict classifies"
            + " rows without one)");
        return 2;
      }
      data = in.data();
      labels = in.labels();
      source = rows.toString();
    } else {
      data = splitName.equals("test") ? split.test() : split.train();
      labels = new int[data.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = data.label(i);
      }
      source = x.dataset + " " + splitName + " split";
    }
    List<String> classes = split.train().classNames();
    ConfusionMatrix m;
    double seconds;
    try (TrainedModel trained = TrainedModel.load(model, config, headFile)) {
      long t0 = System.nanoTime();
      float[] logits = trained.logits(data, batch);
      seconds = (System.nanoTime() - t0) / 1e9;
      m = ConfusionMatrix.of(labels, ConfusionMatrix.argmax(logits, trained.classes()), trained.classes());
    }
    System.out.printf("%s: %,d samples, accuracy %.2f%% (%.1f samples/s)%n%n", source, m.total(), 100 * m.accuracy(),
        m.total() / Math.max(seconds, 1e-9));
    Table t = new Table("class", "support", "precision", "recall", "F1");
    List<Map<String, Object>> perClass = new ArrayList<>();
    for (int c = 0; c < m.classes(); c++) {
      t.row(classes.get(c), m.support(c), pct(m.precision(c)), pct(m.recall(c)), pct(m.f1(c)));
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("class", classes.get(c));
      row.put("support", m.support(c));
      row.put("precision", m.precision(c));
      row.put("recall", m.recall(c));
      row.put("f1", m.f1(c));
      perClass.add(row);
    }
    t.print(System.out);
    Path dir = RunReport.directory(out, "evaluate");
    Files.createDirectories(dir);
    Path png = ConfusionPlot.write(dir.resolve("confusion.png"), m, classes, source);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("model", model.toString());
    json.put("data", source);
    json.put("samples", m.total());
    json.put("accuracy", m.accuracy());
    json.put("classes", perClass);
    long[][] counts = new long[m.classes()][m.classes()];
    for (int a = 0; a < counts.length; a++) {
      for (int p = 0; p < counts.length; p++) {
        counts[a][p] = m.count(a, p);
      }
    }
    json.put("confusion", counts);
    org.mpsl4j.cli.report.ReportJson.mapper().writeValue(dir.resolve("evaluation.json").toFile(),
        json);
    System.out.println("\nwrote " + dir.resolve("evaluation.json") + " and " + png);
    return 0;
  }

  private static String pct(double v) {
    return String.format("%.2f%%", 100 * v);
  }
}
