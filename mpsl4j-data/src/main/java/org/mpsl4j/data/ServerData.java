package org.mpsl4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.mpsl4j.data.cache.SplitCache;

/**
 * Everything a deployed MPSL server may know about the data: the inputs (name, modality, sample shape), the class
 * names, the patch sizes a manifest asks for, and optionally a test set of the server's own. It holds no training
 * sample, no training label and no partition: a {@code server} process is built from this alone.
 *
 * <p>On disk a folder: {@value #SPEC} (JSON) and, with a test set, {@value #TEST} (the cache's tensor format).
 * {@code mpsl4j server-data} writes it from a dataset's test split; an operator with a test set of their own can
 * write it from a manifest of test rows.
 *
 * @param dataset  the name of the dataset it was taken from (for messages; the server loads nothing by it)
 * @param inputs   the inputs every sample has, in model order
 * @param classes  the class names, in label order
 * @param patches  the tokenizer patch per modality a manifest prescribes; empty: the {@code --patch} option decides
 * @param testSet  the server's test set for the global evaluation, or null (no global test accuracy is then reported)
 */
public record ServerData(String dataset, List<InputSpec> inputs, List<String> classes, Map<Modality, Integer> patches,
    ArrayDataset testSet) {
  public static final String SPEC = "server-data.json";
  public static final String TEST = "test.bin";

  public ServerData {
    Objects.requireNonNull(dataset, "dataset");
    inputs = List.copyOf(inputs);
    classes = List.copyOf(classes);
    patches = patches.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(patches));
    if (inputs.isEmpty() || classes.isEmpty()) {
      throw new IllegalArgumentException("server data needs at least one input and one class");
    }
    if (testSet != null && (!testSet.inputs().equals(inputs) || !testSet.classNames().equals(classes))) {
      throw new IllegalArgumentException("the test set's inputs " + testSet.inputs() + " and classes "
          + testSet.classNames() + " differ from the server data's " + inputs + " and " + classes);
    }
  }

  /** The server's share of a split: its test half (or none), never its training half. */
  public static ServerData of(String dataset, DatasetSplit split, Map<Modality, Integer> patches, boolean withTestSet) {
    LabeledDataset test = split.test();
    return new ServerData(dataset, test.inputs(), test.classNames(), patches,
        withTestSet ? (ArrayDataset) test : null);
  }

  /** Writes {@value #SPEC} and, with a test set, {@value #TEST} into {@code dir}. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("dataset", dataset);
    ArrayNode in = root.putArray("inputs");
    for (InputSpec s : inputs) {
      ObjectNode o = in.addObject().put("name", s.name()).put("modality", s.modality().name());
      ArrayNode shape = o.putArray("shape");
      for (int d : s.sampleShape()) {
        shape.add(d);
      }
    }
    ArrayNode cls = root.putArray("classes");
    classes.forEach(cls::add);
    ObjectNode p = root.putObject("patches");
    patches.forEach((m, v) -> p.put(m.name(), v));
    root.put("testSamples", testSet == null ? 0 : testSet.size());
    json.enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(SPEC).toFile(), root);
    Files.deleteIfExists(dir.resolve(TEST));
    if (testSet != null) {
      SplitCache.writeOne(dir.resolve(TEST), testSet);
    }
  }

  /**
   * Reads a folder written by {@link #write}.
   *
   * @throws IOException naming the file that is missing or unreadable
   */
  public static ServerData read(Path dir) throws IOException {
    Path spec = dir.resolve(SPEC);
    if (!Files.isRegularFile(spec)) {
      throw new IOException(dir + " holds no " + SPEC + ": write it with `mpsl4j server-data --dataset … --out " + dir
          + "` (docs/DEPLOYING.md)");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(spec.toFile());
      List<InputSpec> inputs = new ArrayList<>();
      for (JsonNode n : root.withArray("inputs")) {
        JsonNode s = n.get("shape");
        int[] shape = new int[s.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = s.get(i).asInt();
        }
        inputs.add(new InputSpec(n.get("name").asText(), Modality.valueOf(n.get("modality").asText()), shape));
      }
      List<String> classes = new ArrayList<>();
      root.withArray("classes").forEach(c -> classes.add(c.asText()));
      Map<Modality, Integer> patches = new EnumMap<>(Modality.class);
      root.path("patches").fields().forEachRemaining(e -> patches.put(Modality.valueOf(e.getKey()), e.getValue().asInt()));
      Path test = dir.resolve(TEST);
      ArrayDataset testSet = root.path("testSamples").asInt() > 0 ? SplitCache.readOne(test) : null;
      return new ServerData(root.path("dataset").asText("?"), inputs, classes, patches, testSet);
    } catch (RuntimeException e) {
      throw new IOException(spec + " is malformed: " + e.getMessage(), e);
    }
  }
}
