package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * After training: a tiny model is trained once on real FSDD recordings (a manifest, one client per speaker), then
 * {@code evaluate} must reproduce the run's own global test accuracy from the saved files, and {@code predict} must
 * classify unseen recordings, given as files or as manifest rows without labels, the same way both times.
 */
final class PredictEvaluateTest {
  private static final List<String> SPEAKERS = List.of("george", "jackson", "lucas");
  private static final String[] MODEL = {"--encoder", "scratch", "--width", "32", "--depth", "1", "--seed", "7"};

  @TempDir
  static Path dir;
  static Path manifest;
  static Path model;

  @BeforeAll
  @Timeout(90)
  static void trainOnce() throws Exception {
    manifest = manifest("train.csv", 0, 2, true);
    model = dir.resolve("model");
    InProcessCli.Run run = InProcessCli.run(args("simulate", "--epochs", "2", "--client-batch", "4", "--out",
        model.toString()));
    assertThat(run.code()).as(run.err()).isZero();
  }

  @Test
  @Timeout(60)
  void evaluate_testSplit_reproducesTheRunsGlobalAccuracy_andWritesTheConfusionMatrix() throws Exception {
    JsonNode results = new ObjectMapper().readTree(model.resolve("results.json").toFile());
    JsonNode epochs = results.get("epochs");
    double runAccuracy = epochs.get(epochs.size() - 1).get("testAccuracy").asDouble();

    InProcessCli.Run run = InProcessCli.run(args("evaluate", "--model", model.toString(), "--out",
        dir.resolve("eval").toString()));

    assertThat(run.code()).as(run.err()).isZero();
    Matcher m = Pattern.compile("(\\d+) samples, accuracy ([0-9.]+)%").matcher(run.out());
    assertThat(m.find()).as(run.out()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).isEqualTo(12);
    assertThat(Double.parseDouble(m.group(2))).isCloseTo(100 * runAccuracy, org.assertj.core.data.Offset.offset(0.01));
    assertThat(run.out()).containsPattern("class\\s+\\|?\\s*support").contains("precision", "recall", "F1");
    assertThat(ImageIO.read(dir.resolve("eval").resolve("confusion.png").toFile()).getWidth()).isGreaterThan(400);
    JsonNode json = new ObjectMapper().readTree(dir.resolve("eval").resolve("evaluation.json").toFile());
    assertThat(json.get("confusion")).hasSize(10);
    assertThat(json.get("classes")).hasSize(10);
  }

  @Test
  @Timeout(60)
  void predict_unseenRecordings_filesAndUnlabelledRowsGiveTheSameClasses() throws Exception {
    Path rows = manifest("new.csv", 4, 5, false); // takes 4 of each digit: not in the training manifest
    List<String> files = new ArrayList<>();
    for (String line : Files.readAllLines(rows).subList(1, 31)) {
      files.add(rows.getParent().resolve(line).toString());
    }

    InProcessCli.Run byRows = InProcessCli.run(args("predict", "--model", model.toString(), "--rows",
        rows.toString(), "--out", dir.resolve("p.csv").toString()));
    List<String> fileArgs = new ArrayList<>(List.of(args("predict", "--model", model.toString())));
    fileArgs.addAll(files);
    InProcessCli.Run byFiles = InProcessCli.run(fileArgs.toArray(String[]::new));

    assertThat(byRows.code()).as(byRows.err()).isZero();
    assertThat(byFiles.code()).as(byFiles.err()).isZero();
    List<String> rowLines = byRows.out().lines().toList();
    List<String> fileLines = byFiles.out().lines().toList();
    assertThat(rowLines).hasSize(30);
    assertThat(fileLines).hasSize(30);
    for (int i = 0; i < 30; i++) {
      String[] r = rowLines.get(i).split("\t");
      String[] f = fileLines.get(i).split("\t");
      assertThat(r[1]).as(rowLines.get(i)).isIn("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
      assertThat(Double.parseDouble(r[2])).isBetween(0.1, 1.0); // the top of 10 classes has at least 1/10
      assertThat(f[1] + f[2]).as("file " + i).isEqualTo(r[1] + r[2]);
    }
    assertThat(Files.readAllLines(dir.resolve("p.csv"))).hasSize(31).first().isEqualTo("input,class,probability");
    assertThat(byRows.err()).contains("classified 30 inputs");
  }

  @Test
  @Timeout(60)
  void predict_withOtherModelSettings_namesBothModels() throws Exception {
    List<String> a = new ArrayList<>(List.of(args("predict", "--model", model.toString(), "--rows",
        manifest.toString())));
    a.set(a.indexOf("32"), "16");

    InProcessCli.Run run = InProcessCli.run(a.toArray(String[]::new));

    assertThat(run.code()).isNotZero();
    assertThat(run.err()).contains("was trained with other settings", "width=32", "width=16");
  }

  @Test
  @Timeout(60)
  void evaluate_rowsWithAnUnknownLabel_areRefusedByLine() throws Exception {
    Path rows = manifest("bad.csv", 4, 5, true);
    List<String> lines = new ArrayList<>(Files.readAllLines(rows));
    lines.set(2, lines.get(2).replaceAll(",\\d,", ",eleven,"));
    Files.write(rows, lines);

    InProcessCli.Run run = InProcessCli.run(args("evaluate", "--model", model.toString(), "--rows",
        rows.toString()));

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("line 3: label 'eleven' is not one of the model's classes");
  }

  @Test
  @Timeout(60)
  void evaluateAndPredict_aFolderWithoutAModel_areRefusedWithExit2_beforeAnyDataIsRead() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("not-a-model"));
    for (String command : new String[] {"evaluate", "predict"}) {
      // a manifest that does not exist: reading data first would fail on it instead of naming the model folder
      InProcessCli.Run run = InProcessCli.run(command, "--dataset", "manifest:" + dir.resolve("absent.csv"),
          "--model", empty.toString(), "--rows", manifest.toString());

      assertThat(run.code()).as(command + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(command).contains("no trained model in " + empty, "server.safetensors is missing");
    }
  }

  private static String[] args(String command, String... more) {
    List<String> a = new ArrayList<>(List.of(command, "--dataset", "manifest:" + manifest, "--data-dir",
        dir.resolve("data").toString()));
    a.addAll(List.of(MODEL));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  /** Takes [from, to) of every digit and speaker; with labels and clients for training, bare paths otherwise. */
  private static Path manifest(String name, int from, int to, boolean labelled) throws Exception {
    Path recordings = InProcessCli.shared("fsdd").resolve("recordings");
    List<String> lines = new ArrayList<>(List.of(labelled ? "audio,label,client" : "audio"));
    for (String speaker : SPEAKERS) {
      for (int digit = 0; digit < 10; digit++) {
        for (int take = from; take < to; take++) {
          String path = dir.relativize(recordings.resolve(digit + "_" + speaker + "_" + take + ".wav")).toString();
          lines.add(labelled ? path + "," + digit + "," + speaker : path);
        }
      }
    }
    return Files.write(dir.resolve(name), lines);
  }
}
