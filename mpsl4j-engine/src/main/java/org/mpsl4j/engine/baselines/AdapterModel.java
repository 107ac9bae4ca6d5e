package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.mpsl4j.core.data.BatchTensors;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.Fusion;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.Parameter;
import org.mpsl4j.model.Pooling;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * FedCLIP's local model: the same tokenizers, a <em>frozen</em> encoder, one {@link AttentionAdapter}
 * per modality over that modality's pooled output ({@code adapters.<input>.*}), the average of the
 * adapted features, and the head. Tokenizers, adapters and head are trained and averaged; the encoder
 * never changes and never travels. Fusion and pooling follow the {@link ModelConfig} as in
 * {@link ServerModel} (early: one encoder pass, per-modality CLS or masked mean of its segment).
 */
public final class AdapterModel implements LocalModel {
  private final ModelConfig config;
  private final ClientModel client;
  private final ServerModel server;
  private final Map<String, AttentionAdapter> adapters = new LinkedHashMap<>();

  /**
   * Builds tokenizers and encoder as every other method does from {@code seed}, then the adapters.
   *
   * @param pooling how each modality's encoder output is pooled for its adapter (may differ from the
   *     config's: see {@link FedClip})
   */
  public AdapterModel(NDManager manager, ModelConfig config, int adapterHidden, Pooling pooling, long seed) {
    if (config.clientBlocks() > 0) {
      throw new IllegalArgumentException("FedCLIP-style adapters run the whole frozen encoder on each client: "
          + "--client-blocks " + config.clientBlocks() + " (a split inside the encoder) does not apply to them");
    }
    this.config = new ModelConfig(config.tokenizers(), config.encoder(), config.fusion(), pooling, config.head(), 0);
    Random rng = new Random(seed);
    client = new ClientModel(manager, this.config, rng);
    server = new ServerModel(manager, this.config, rng);
    for (TokenizerSpec t : config.tokenizers()) {
      adapters.put(t.input(), new AttentionAdapter(manager, config.encoder().width(), adapterHidden, rng));
    }
  }

  /** Client MACs per sample: the whole model with a frozen encoder (gradients still pass it to the tokenizers) plus adapters. */
  public static MacReport macs(ModelConfig config, int adapterHidden) {
    MacReport m = MacCounter.count(config.withTrainableBlocks(0), true);
    long adapter = config.tokenizers().size() * AttentionAdapter.forwardMacs(config.encoder().width(), adapterHidden);
    // Backward of a trained adapter: weight gradients plus input gradients (tokenizers lie below).
    return new MacReport(m.clientForward() + m.serverForward() + adapter,
        m.clientBackward() + m.serverBackward() + 2 * adapter, 0, 0);
  }

  @Override
  public NDArray forward(BatchTensors batch, boolean training) {
    List<Tokens> tokens = client.forward(batch.inputs(), batch.masks());
    List<NDArray> pooled = config.fusion() == Fusion.EARLY ? early(tokens, training) : late(tokens, training);
    NDArray sum = null;
    int i = 0;
    List<NDArray> perModality = new ArrayList<>();
    for (AttentionAdapter a : adapters.values()) {
      NDArray adapted = a.forward(pooled.get(i++));
      perModality.add(adapted);
      sum = sum == null ? adapted : sum.add(adapted);
    }
    if (config.head().kind() == org.mpsl4j.model.HeadConfig.Kind.PROJECTION) {
      // Retrieval (FedCLIP's own setting): each modality's adapted feature embedded on its own, both in one row.
      return org.mpsl4j.model.retrieval.PairEmbeddings.join(perModality.stream().map(server.head()::forward).toList());
    }
    if (pooled.size() > 1) {
      sum = sum.div(sum.getManager().create((float) pooled.size()));
    }
    return server.head().forward(sum);
  }

  private List<NDArray> early(List<Tokens> tokens, boolean training) {
    NDList values = new NDList();
    NDList masks = new NDList();
    boolean anyMask = tokens.stream().anyMatch(t -> t.mask() != null);
    for (Tokens t : tokens) {
      values.add(t.values());
      if (anyMask) {
        masks.add(t.mask() != null ? t.mask()
            : t.values().getManager().ones(new Shape(t.batch(), t.length()), DataType.FLOAT32));
      }
    }
    NDArray x = values.size() == 1 ? values.get(0) : NDArrays.concat(values, 1);
    NDArray mask = anyMask ? (masks.size() == 1 ? masks.get(0) : NDArrays.concat(masks, 1)) : null;
    NDArray encoded = server.encoder().forward(x, mask, training);
    List<NDArray> out = new ArrayList<>();
    long offset = 0;
    for (Tokens t : tokens) {
      NDIndex segment = new NDIndex(":, {}:{}, :", offset, offset + t.length());
      out.add(config.pooling() == Pooling.MEAN
          ? meanPool(encoded.get(segment), anyMask ? mask.get(new NDIndex(":, {}:{}", offset, offset + t.length())) : null)
          : encoded.get(new NDIndex(":, {}, :", offset)));
      offset += t.length();
    }
    return out;
  }

  private List<NDArray> late(List<Tokens> tokens, boolean training) {
    List<NDArray> out = new ArrayList<>();
    for (Tokens t : tokens) {
      NDArray encoded = server.encoder().forward(t.values(), t.mask(), training);
      out.add(config.pooling() == Pooling.MEAN ? meanPool(encoded, t.mask()) : encoded.get(new NDIndex(":, 0, :")));
    }
    return out;
  }

  private static NDArray meanPool(NDArray encoded, NDArray mask) {
    if (mask == null) {
      return encoded.mean(new int[] {1});
    }
    NDArray m = mask.expandDims(-1);
    return encoded.mul(m).sum(new int[] {1}).div(m.sum(new int[] {1}).maximum(mask.getManager().create(1f)));
  }

  @Override
  public Map<String, Parameter> trainable() {
    Map<String, Parameter> out = new LinkedHashMap<>(client.trainableParameters());
    adapters.forEach((input, a) -> a.trainableParameters().forEach((n, p) -> out.put("adapters." + input + "." + n, p)));
    out.putAll(server.trainableParameters());
    return out;
  }
}
