package org.mpsl4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.NormPlacement;
import org.mpsl4j.model.TokenizerSpec;

/**
 * B4: the training step of {@link StepBenchmark} (same shapes, layers, loss and optimizer) in plain
 * PyTorch through a Python that has {@code torch}, with the same number of intra-op threads; mpsl4j
 * and PyTorch alternate (mpsl4j, PyTorch, mpsl4j, PyTorch) so drift hits both. Skipped, with the
 * reason, where no such Python exists.
 */
public final class PyTorchReference {
  private PyTorchReference() {}

  /** One reference shape. */
  public record Shape(String name, ModelConfig config, int channels, int size, int patch) {}

  public record Row(String model, int batch, double mpsl4jTrainMedian, double pytorchTrainMedian, double ratio,
      double mpsl4jForwardMedian, double pytorchForwardMedian) {}

  /** {@code skipped} holds the reason when no Python with torch was found; then rows is empty. */
  public record Result(String python, String torchVersion, int threads, String blas, String skipped, List<Row> rows) {}

  /** ViT-Tiny on 224² (197 tokens) and the MiniLM shape on 28² with 4×4 patches (50 tokens), as {@code bench step}. */
  public static List<Shape> shapes(String which) {
    List<Shape> out = new ArrayList<>();
    if (which.equals("vit-tiny") || which.equals("all")) {
      out.add(new Shape("ViT-Tiny (12x192, 197 tokens)", ModelConfig.builder()
          .addTokenizer(TokenizerSpec.image("image", 3, 224, 224, 16)).setEncoder(EncoderConfig.vitTiny())
          .setHead(HeadConfig.classification(10)).build(), 3, 224, 16));
    }
    if (which.equals("minilm") || which.equals("all")) {
      out.add(new Shape("MiniLM shape (6x384, 50 tokens)", ModelConfig.builder()
          .addTokenizer(TokenizerSpec.image("image", 1, 28, 28, 4)).setEncoder(EncoderConfig.miniLmL6())
          .setHead(HeadConfig.classification(10)).build(), 1, 28, 4));
    }
    return out;
  }

  /** The first of $MPSL4J_PYTHON, python3 on the PATH, /usr/bin/python3 that imports torch; null if none. */
  static String[] findPython(Consumer<String> log) {
    List<String> candidates = new ArrayList<>();
    String env = System.getenv("MPSL4J_PYTHON");
    if (env != null && !env.isBlank()) {
      candidates.add(env);
    }
    candidates.add("python3");
    candidates.add("/usr/bin/python3");
    for (String py : candidates) {
      try {
        Process p = new ProcessBuilder(py, "-c", "import torch; print(torch.__version__)").redirectErrorStream(true)
            .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
          String[] lines = out.split("\n");
          return new String[] {py, lines[lines.length - 1].trim()};
        }
      } catch (IOException e) {
        // not installed: try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  public static Result run(String which, int batch, int warmup, int iterations, Consumer<String> log)
      throws IOException, InterruptedException {
    int threads = Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads",
        String.valueOf(Runtime.getRuntime().availableProcessors())));
    String[] python = findPython(log);
    if (python == null) {
      String why = "no Python with torch found ($MPSL4J_PYTHON, python3, /usr/bin/python3); on Debian: "
          + "apt-get install python3-torch";
      log.accept("B4 skipped: " + why);
      return new Result(null, null, threads, null, why, List.of());
    }
    log.accept("B4: " + python[0] + " with torch " + python[1] + ", " + threads + " threads");
    Path script = Files.createTempFile("mpsl4j-pytorch-step", ".py");
    try (InputStream in = PyTorchReference.class.getResourceAsStream("pytorch_step.py")) {
      Files.write(script, in.readAllBytes());
    }
    List<Row> rows = new ArrayList<>();
    String blas = null;
    try {
      for (Shape s : shapes(which)) {
        List<Double> jTrain = new ArrayList<>();
        List<Double> jFwd = new ArrayList<>();
        List<Double> pTrain = new ArrayList<>();
        List<Double> pFwd = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
          StepBenchmark.Result j = StepBenchmark.run(s.name(), s.config(), batch, warmup, iterations, 1);
          jTrain.add(j.trainStep().median());
          jFwd.add(j.forward().median());
          JsonNode p = python(python[0], script, s, batch, warmup, iterations, threads);
          pTrain.add(p.get("train_median").asDouble());
          blas = p.get("blas_info").asText() + ", loaded: " + p.get("libraries").toString();
          pFwd.add(p.get("forward_median").asDouble());
          log.accept(String.format("  %s round %d: train step mpsl4j %.3f s, PyTorch %.3f s", s.name(), round + 1,
              j.trainStep().median(), p.get("train_median").asDouble()));
        }
        double jt = mean(jTrain);
        double pt = mean(pTrain);
        rows.add(new Row(s.name(), batch, jt, pt, jt / pt, mean(jFwd), mean(pFwd)));
      }
    } finally {
      Files.deleteIfExists(script);
    }
    return new Result(python[0], python[1], threads, blas, null, rows);
  }

  private static JsonNode python(String python, Path script, Shape s, int batch, int warmup, int iterations,
      int threads) throws IOException, InterruptedException {
    EncoderConfig e = s.config().encoder();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("channels", s.channels());
    c.put("size", s.size());
    c.put("patch", s.patch());
    c.put("width", e.width());
    c.put("depth", e.depth());
    c.put("heads", e.heads());
    c.put("mlp", e.mlpHidden());
    c.put("pre_norm", e.norm() == NormPlacement.PRE);
    c.put("eps", e.layerNormEps());
    c.put("classes", s.config().head().outputs());
    c.put("batch", batch);
    c.put("warmup", warmup);
    c.put("iterations", iterations);
    c.put("threads", threads);
    c.put("max_seconds", 60);
    ObjectMapper json = new ObjectMapper();
    ProcessBuilder pb = new ProcessBuilder(python, script.toString(), json.writeValueAsString(c));
    pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
    pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("PyTorch reference failed:\n" + out);
    }
    String[] lines = out.trim().split("\n");
    return json.readTree(lines[lines.length - 1]);
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }
}
