package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained on a manifest of sensor series scores new series as it scored its own test split: the new rows
 * are standardized with the training rows' per-channel statistics, not their own. The series have a large offset
 * per channel, so rows scaled any other way would land far from what the model saw (and score at chance on this
 * easy task, where the model is required to have learned the trend).
 */
final class SensorPredictTest {
  private static final String[] MODEL = {"--encoder", "scratch", "--width", "16", "--depth", "1", "--seed", "3"};

  @Test
  @Timeout(120)
  void evaluateRows_ofTheTestSplit_scoreAsTheTestSplit_andPredictNamesAClassPerRow(@TempDir Path dir)
      throws Exception {
    Random rng = new Random(5);
    List<String> train = new ArrayList<>(List.of("sensor,label,client,split"));
    List<String> test = new ArrayList<>(List.of("sensor,label"));
    for (int i = 0; i < 60; i++) {
      String label = i % 2 == 0 ? "up" : "down";
      String series = series(rng, label);
      boolean isTest = i % 5 == 0;
      train.add("\"" + series + "\"," + label + ",c" + (i % 3) + "," + (isTest ? "test" : "train"));
      if (isTest) {
        test.add("\"" + series + "\"," + label);
      }
    }
    Path manifest = dir.resolve("motion.csv");
    Files.write(manifest, train);
    Files.writeString(dir.resolve("motion.config.json"), "{\"sensor\": {\"window\": 8, \"patch\": 2}}");
    Path rows = dir.resolve("new.csv");
    Files.write(rows, test);
    Path model = dir.resolve("model");
    InProcessCli.Run trained = InProcessCli.run(args(dir, manifest, "simulate", "--epochs", "10", "--client-batch",
        "4", "--out", model.toString()));
    assertThat(trained.code()).as(trained.err()).isZero();

    InProcessCli.Run split = InProcessCli.run(args(dir, manifest, "evaluate", "--model", model.toString(), "--out",
        dir.resolve("e1").toString()));
    InProcessCli.Run fromRows = InProcessCli.run(args(dir, manifest, "evaluate", "--model", model.toString(),
        "--rows", rows.toString(), "--out", dir.resolve("e2").toString()));
    InProcessCli.Run predicted = InProcessCli.run(args(dir, manifest, "predict", "--model", model.toString(),
        "--rows", rows.toString()));

    assertThat(split.code()).as(split.err()).isZero();
    assertThat(fromRows.code()).as(fromRows.err()).isZero();
    assertThat(Double.parseDouble(accuracy(split.out()).split(" ")[1])).as("the model learned the trend: "
        + split.out()).isGreaterThanOrEqualTo(75);
    assertThat(accuracy(fromRows.out())).isEqualTo(accuracy(split.out()));
    assertThat(predicted.code()).as(predicted.err()).isZero();
    assertThat(predicted.out().lines().filter(l -> l.contains("up") || l.contains("down")).count()).isEqualTo(12);
  }

  /** Two channels, 8 steps: rising or falling around offsets of 100 and -50 with noise. */
  private static String series(Random rng, String label) {
    List<String> steps = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      double trend = label.equals("up") ? t : -t;
      steps.add(String.format(Locale.ROOT, "%.3f,%.3f", 100 + trend + rng.nextGaussian(),
          -50 + 2 * trend + rng.nextGaussian()));
    }
    return String.join(";", steps);
  }

  private static String accuracy(String out) {
    Matcher m = Pattern.compile("(\\d+) samples, accuracy ([0-9.]+)%").matcher(out);
    assertThat(m.find()).as(out).isTrue();
    return m.group(1) + " " + m.group(2);
  }

  private static String[] args(Path dir, Path manifest, String command, String... more) {
    List<String> a = new ArrayList<>(List.of(command, "--dataset", "manifest:" + manifest, "--data-dir",
        dir.resolve("data").toString()));
    a.addAll(List.of(MODEL));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }
}
