package org.mpsl4j.engine.mpsl;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.mpsl4j.engine.secagg.SecAggClient;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.v1.NamedTensor;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * A client's last step of a private average: the padded sum the server sent back ({@code SecAggSum}), without the
 * counted clients' group pads, cut into the averaged parameters by name; with {@code replace_tokenizers} the client
 * continues from it (through {@link GlobalTokenizerLoad}, all or nothing).
 */
final class PaddedSumDecoding {
  private PaddedSumDecoding() {}

  /**
   * @param all every client parameter by name (a shared base's template where tables are shared), for the shapes
   * @param order the averaged parameters in the order of the share
   * @throws IllegalArgumentException naming why nothing was decoded or applied
   */
  static MpslClient.Average decode(SecAggClient secAgg, ServerMessage m, ClientModel model, Map<String, Parameter> all,
      List<String> order, NDManager manager) {
    float[] flat = secAgg.average(m.getStep(), m.getSecaggSum());
    Map<String, Shape> shapes = new LinkedHashMap<>();
    order.forEach(name -> shapes.put(name, all.get(name).shape()));
    MpslClient.Average average = new MpslClient.Average(m.getStep(), TokenizerVector.split(flat, shapes));
    if (m.getSecaggSum().getReplaceTokenizers()) {
      try (NDManager scope = manager.newSubManager()) {
        TokenizerWeights.Builder w = TokenizerWeights.newBuilder();
        average.parameters().forEach((name, v) -> w.addParameters(NamedTensor.newBuilder().setName(name)
            .setTensor(TensorCodec.encode(scope.create(v, shapes.get(name))))));
        GlobalTokenizerLoad.apply(w.build(), model, false, manager); // a private average never comes with a shared tokenizer
      }
    }
    return average;
  }
}
