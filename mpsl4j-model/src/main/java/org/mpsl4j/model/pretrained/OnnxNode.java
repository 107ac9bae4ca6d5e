package org.mpsl4j.model.pretrained;

import java.util.List;

/**
 * One operator of an ONNX graph ({@code NodeProto}): only what is needed to follow data flow.
 * Attributes are not read.
 *
 * @param opType e.g. {@code MatMul}, {@code Add}
 * @param name the node's name (may be empty; exporters use it for debugging only)
 * @param inputs names of the tensors it reads: graph inputs, initializers or other nodes' outputs
 * @param outputs names of the tensors it produces
 */
public record OnnxNode(String opType, String name, List<String> inputs, List<String> outputs) {
  public OnnxNode {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  @Override
  public String toString() {
    return opType + (name.isEmpty() ? "" : " '" + name + "'") + " " + inputs + " -> " + outputs;
  }
}
