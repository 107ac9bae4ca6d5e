package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.LabeledDataset;
import org.mpsl4j.data.Modality;
import org.mpsl4j.engine.ConfusionMatrix;
import org.mpsl4j.engine.TrainedModel;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.checkpoint.SafeTensors;
import picocli.CommandLine;

/**
 * {@code python/mpsl4j_torch.py} against the Java model: the same saved files and the same inputs must give logits
 * within 1e-4 of each other and the same predicted classes. Runs where a Python with torch exists (Debian:
 * {@code apt-get install python3-torch}, which {@code .ci/run} installs) and is skipped with that message elsewhere.
 */
final class PyTorchParityTest {
  static final double TOLERANCE = 1e-4;

  @TempDir
  static Path dir;
  static String python;

  @BeforeAll
  static void findPython() {
    python = PythonWithTorch.find();
    Assumptions.assumeTrue(python != null, "skipped: no Python with torch ($MPSL4J_PYTHON, python3, /usr/bin/python3);"
        + " on Debian: apt-get install python3-torch");
  }

  @Test
  @Timeout(120)
  void trainedModel_testSplit_sameLogitsAndSameAccuracy() throws Exception {
    Path manifest = FsddManifests.write(dir, "train.csv", 0, 6);
    String[] args = {"--dataset", "manifest:" + manifest, "--data-dir", dir.resolve("data").toString(), "--encoder",
        "scratch", "--width", "32", "--depth", "2", "--epochs", "4", "--client-batch", "8", "--lr", "3e-3", "--seed", "3"};
    Path model = dir.resolve("trained");
    List<String> simulate = new ArrayList<>(List.of("simulate", "--out", model.toString()));
    simulate.addAll(List.of(args));
    InProcessCli.Run run = InProcessCli.run(simulate.toArray(String[]::new));
    assertThat(run.code()).as(run.err()).isZero();
    EvaluateCommand options = new EvaluateCommand();
    new CommandLine(options).parseArgs(concat(args, "--model", model.toString()));
    DatasetSplit split = options.x.load();

    Parity p = compare(model, options.x.model(split), split.test(), "trained");

    System.out.printf("parity, trained FSDD model on %d test samples: max |logit diff| %.3g, accuracy %.2f%% (Java)"
        + " vs %.2f%% (PyTorch)%n", split.test().size(), p.maxDiff, 100 * p.javaAccuracy, 100 * p.torchAccuracy);
    assertThat(p.maxDiff).isLessThanOrEqualTo(TOLERANCE);
    assertThat(p.torchAccuracy).isEqualTo(p.javaAccuracy);
    assertThat(p.torchClasses).containsExactly(p.javaClasses);
  }

  @Test
  @Timeout(120)
  void postNormEarlyFusion_pictureAndPaddedText_sameLogits() throws Exception {
    ModelConfig config = ModelConfig.builder()
        .addTokenizer(TokenizerSpec.image("image", 3, 16, 16, 4))
        .addTokenizer(TokenizerSpec.text("text", 12, 300))
        .setEncoder(new EncoderConfig(48, 2, 4, 96, NormPlacement.POST, 0f, 1e-12f)) // BERT-like, as MiniLM
        .setHead(HeadConfig.classification(5)).build();
    Parity p = compare(saved(config, "post"), config, randomData(config, 24, 11), "post");
    System.out.printf("parity, post-norm eps 1e-12, early fusion, picture + padded text: max |logit diff| %.3g over 24 random inputs%n", p.maxDiff);

    assertThat(p.maxDiff).isLessThanOrEqualTo(TOLERANCE);
    assertThat(p.torchClasses).containsExactly(p.javaClasses);
  }

  @Test
  @Timeout(120)
  void preNormLateFusionMeanPooling_soundAndSensor_sameLogits() throws Exception {
    ModelConfig config = ModelConfig.builder()
        .addTokenizer(TokenizerSpec.audio("audio", 8, 16, 4))
        .addTokenizer(TokenizerSpec.sensor("watch", 3, 20, 5))
        .setEncoder(EncoderConfig.small(24, 2, 3)).optFusion(Fusion.LATE).optPooling(Pooling.MEAN)
        .setHead(HeadConfig.classification(4)).build();
    Parity p = compare(saved(config, "late"), config, randomData(config, 24, 12), "late");
    System.out.printf("parity, pre-norm, late fusion, mean pooling, sound + sensor: max |logit diff| %.3g over 24 random inputs%n", p.maxDiff);

    assertThat(p.maxDiff).isLessThanOrEqualTo(TOLERANCE);
    assertThat(p.torchClasses).containsExactly(p.javaClasses);
  }

  record Parity(double maxDiff, int[] javaClasses, int[] torchClasses, double javaAccuracy, double torchAccuracy) {}

  /** Java logits through TrainedModel, PyTorch logits through the Python module, on the same inputs. */
  private static Parity compare(Path model, ModelConfig config, LabeledDataset data, String name) throws Exception {
    float[] java;
    int classes;
    try (TrainedModel trained = TrainedModel.load(model, config)) {
      java = trained.logits(data, 64);
      classes = trained.classes();
    }
    Batch all = data.batch(IntStream.range(0, data.size()).toArray());
    Path inputs = dir.resolve(name + "-inputs.safetensors");
    Path out = dir.resolve(name + "-logits.safetensors");
    writeInputs(all, inputs);
    runPython("logits", model.toString(), inputs.toString(), out.toString());
    ByteBuffer b = SafeTensors.read(out).get("logits").data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] torch = new float[java.length];
    b.asFloatBuffer().get(torch);
    double max = 0;
    for (int i = 0; i < java.length; i++) {
      max = Math.max(max, Math.abs(java[i] - torch[i]));
    }
    int[] jc = ConfusionMatrix.argmax(java, classes);
    int[] tc = ConfusionMatrix.argmax(torch, classes);
    int[] labels = all.labels();
    return new Parity(max, jc, tc, ConfusionMatrix.of(labels, jc, classes).accuracy(),
        ConfusionMatrix.of(labels, tc, classes).accuracy());
  }

  private static Path saved(ModelConfig config, String name) throws Exception {
    Path out = dir.resolve(name);
    try (NDManager m = NDManager.newBaseManager()) {
      Random rng = new Random(5);
      ServerModel server = new ServerModel(m, config, rng);
      ClientModel client = new ClientModel(m, config, rng);
      List<String> classes = IntStream.range(0, config.head().outputs()).mapToObj(i -> "c" + i).toList();
      TrainedModel.save(client, server, out, classes);
    }
    return out;
  }

  /** Gaussian inputs; text ids with a random real length per row and padding after it. */
  private static ArrayDataset randomData(ModelConfig config, int n, long seed) {
    Random r = new Random(seed);
    List<Column> columns = new ArrayList<>();
    for (TokenizerSpec t : config.tokenizers()) {
      Modality m = Modality.valueOf(t.kind().name());
      InputSpec spec = new InputSpec(t.input(), m, t.inputShape());
      if (m == Modality.TEXT) {
        int len = t.inputShape()[0];
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        for (int i = 0; i < n; i++) {
          int real = 1 + r.nextInt(len);
          for (int j = 0; j < real; j++) {
            ids[i * len + j] = r.nextInt(t.vocabSize());
            mask[i * len + j] = 1;
          }
        }
        columns.add(new Column.Tokens(spec, ids, mask));
      } else {
        float[] v = new float[n * spec.sampleSize()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) r.nextGaussian();
        }
        columns.add(new Column.Floats(spec, v));
      }
    }
    int[] labels = IntStream.range(0, n).map(i -> r.nextInt(config.head().outputs())).toArray();
    List<String> classes = IntStream.range(0, config.head().outputs()).mapToObj(i -> "c" + i).toList();
    return new ArrayDataset("random", classes, columns, labels, null, List.of());
  }

  private static void writeInputs(Batch batch, Path file) throws Exception {
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, InputBatch> e : batch.inputs().entrySet()) {
      InputBatch in = e.getValue();
      if (in.ids() != null) {
        tensors.put(e.getKey(), new SafeTensors.Entry("I64", in.shape(), longs(in.ids())));
        float[] mask = new float[in.attentionMask().length];
        for (int i = 0; i < mask.length; i++) {
          mask[i] = in.attentionMask()[i];
        }
        tensors.put(e.getKey() + "_mask", new SafeTensors.Entry("F32", new long[] {in.batchSize(), in.spec().sampleShape()[0]},
            floats(mask)));
      } else {
        tensors.put(e.getKey(), new SafeTensors.Entry("F32", in.shape(), floats(in.floats())));
      }
    }
    SafeTensors.write(file, tensors, Map.of());
  }

  private static ByteBuffer floats(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return b;
  }

  private static ByteBuffer longs(long[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(v);
    return b;
  }

  static void runPython(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(python, PythonWithTorch.module().toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(100, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static String[] concat(String[] a, String... b) {
    List<String> out = new ArrayList<>(List.of(a));
    out.addAll(List.of(b));
    return out.toArray(String[]::new);
  }
}
