package org.mpsl4j.model.pretrained;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives every initializer of a PyTorch-exported BERT ONNX graph its HuggingFace parameter name.
 *
 * <p>Why the graph has to be walked: the exporter keeps readable names for biases and LayerNorm
 * parameters ({@code encoder.layer.0.attention.self.query.bias}) but stores each Linear weight
 * transposed under an anonymous name ({@code onnx::MatMul_787}). The numbers follow export order,
 * which is an accident of tracing, and many weights share a shape (q, k, v and the attention output
 * are all 384×384), so neither order nor size can tell them apart. The data flow can: a Linear is
 * {@code Add(bias, MatMul(x, W))}, so the Add that consumes the MatMul's output names the layer.
 *
 * <p>A second, independent check confirms the layer index: the query, key and value MatMuls of
 * block N must read the output of block N−1 ({@code encoder.layer.N-1.output.LayerNorm}, or the
 * embedding LayerNorm for N = 0), and the intermediate MatMul of block N must read block N's
 * {@code attention.output.LayerNorm}. A graph that disagrees is rejected rather than loaded wrongly.
 */
final class BertGraphNames {
  private static final Pattern BLOCK_WEIGHT =
      Pattern.compile("encoder\\.layer\\.(\\d+)\\.(attention\\.self\\.(?:query|key|value)|intermediate\\.dense)\\.weight");

  private BertGraphNames() {}

  /**
   * The outcome of {@link #resolve}.
   *
   * @param names each initializer's HuggingFace name (readable names map to themselves)
   * @param matMulWeights the initializers (by ONNX name) that the graph uses as the right operand of
   *     a MatMul, i.e. that are stored in (in, out) layout and must be transposed
   */
  record Resolution(Map<String, String> names, Set<String> matMulWeights) {}

  /**
   * Names every initializer; MatMul weights become {@code <layer>.weight} (still in ONNX's (in, out)
   * layout).
   *
   * @throws IOException listing every MatMul weight that could not be placed, with the fix
   */
  static Resolution resolve(OnnxGraph graph) throws IOException {
    List<String> problems = new ArrayList<>();
    Map<String, String> resolved = new LinkedHashMap<>();
    Map<String, String> claimedBy = new HashMap<>();
    Map<String, OnnxNode> matMulOf = new LinkedHashMap<>();
    for (OnnxNode node : graph.nodes()) {
      if (!node.opType().equals("MatMul") || node.inputs().size() != 2) {
        continue;
      }
      String weight = node.inputs().get(1);
      if (graph.initializers().containsKey(node.inputs().get(0))) {
        problems.add("initializer '" + node.inputs().get(0) + "' is the left operand of " + node
            + "; a Linear weight is expected on the right, in (in, out) layout");
        continue;
      }
      if (!graph.initializers().containsKey(weight)) {
        continue;
      }
      String name = layerOf(graph, node, weight, problems);
      if (name == null) {
        continue;
      }
      if (!weight.startsWith("onnx::") && !weight.equals(name)) {
        problems.add("initializer '" + weight + "' is named like a layer but the graph uses it as " + name);
      }
      String earlier = resolved.putIfAbsent(weight, name);
      if (earlier != null && !earlier.equals(name)) {
        problems.add("initializer '" + weight + "' is used as both " + earlier + " and " + name);
      }
      String other = claimedBy.putIfAbsent(name, weight);
      if (other != null && !other.equals(weight)) {
        problems.add("both '" + other + "' and '" + weight + "' resolve to " + name);
      }
      matMulOf.put(name, node);
    }
    matMulOf.forEach((name, node) -> checkBlockInput(graph, name, node, problems));
    if (!problems.isEmpty()) {
      throw new IOException(graph.source() + ": cannot tell which BERT layer some MatMul weights belong to:"
          + Problems.bullets(problems)
          + "\nThe graph is not a plain PyTorch BERT export (optimized or fused graphs are not supported; export with "
          + "torch.onnx.export and no graph optimization).");
    }
    Map<String, String> all = new LinkedHashMap<>();
    for (String init : graph.initializers().keySet()) {
      all.put(init, resolved.getOrDefault(init, init));
    }
    return new Resolution(Collections.unmodifiableMap(all), Set.copyOf(resolved.keySet()));
  }

  /** The layer whose bias is added to this MatMul's output, as {@code <layer>.weight}; or null. */
  private static String layerOf(OnnxGraph graph, OnnxNode matMul, String weight, List<String> problems) {
    List<String> biases = new ArrayList<>();
    for (OnnxNode add : graph.consumers(matMul.outputs().get(0))) {
      if (!add.opType().equals("Add")) {
        continue;
      }
      for (String in : add.inputs()) {
        if (in.endsWith(".bias") && graph.initializers().containsKey(in)) {
          biases.add(in);
        }
      }
    }
    if (biases.size() != 1) {
      problems.add("MatMul weight '" + weight + "' (" + matMul + ") should feed exactly one Add with a '*.bias' "
          + "initializer but feeds " + biases);
      return null;
    }
    String bias = biases.get(0);
    return bias.substring(0, bias.length() - ".bias".length()) + ".weight";
  }

  /** Checks that a q/k/v or intermediate MatMul reads the LayerNorm output its block index implies. */
  private static void checkBlockInput(OnnxGraph graph, String name, OnnxNode matMul, List<String> problems) {
    Matcher m = BLOCK_WEIGHT.matcher(name);
    if (!m.matches()) {
      return;
    }
    int block = Integer.parseInt(m.group(1));
    String normBias;
    if (m.group(2).equals("intermediate.dense")) {
      normBias = "encoder.layer." + block + ".attention.output.LayerNorm.bias";
    } else {
      normBias = block == 0 ? "embeddings.LayerNorm.bias" : "encoder.layer." + (block - 1) + ".output.LayerNorm.bias";
    }
    List<OnnxNode> users = graph.consumers(normBias);
    if (users.size() != 1 || users.get(0).outputs().isEmpty()) {
      problems.add(name + " should read the output of LayerNorm '" + normBias + "', but that bias is used by "
          + users.size() + " nodes");
      return;
    }
    String expected = users.get(0).outputs().get(0);
    String actual = matMul.inputs().get(0);
    if (!actual.equals(expected)) {
      problems.add(name + " (" + matMul.inputs().get(1) + ") reads '" + actual + "' but block " + block
          + " should read '" + expected + "', the output of LayerNorm '" + normBias + "'");
    }
  }
}
