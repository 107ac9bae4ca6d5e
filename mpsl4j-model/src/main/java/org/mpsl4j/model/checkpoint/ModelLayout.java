package org.mpsl4j.model.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;

/**
 * The layout of a saved model as JSON, stored in the metadata of both safetensors files under {@link #KEY}: what a
 * reader outside the JVM needs besides the tensors to rebuild the forward pass (heads, norm placement, LayerNorm
 * epsilon, fusion, pooling, each tokenizer's input shape and patch) and the class names, in label order. The Python
 * module {@code python/mpsl4j_torch.py} builds its PyTorch modules from it.
 */
public final class ModelLayout {
  /** Metadata key of the layout JSON. */
  public static final String KEY = "mpsl4j.layout";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ModelLayout() {}

  /** The layout of {@code config}, with its classes ({@code classNames.get(c)} names logit c). */
  public static String json(ModelConfig config, List<String> classNames) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", 1);
    List<Map<String, Object>> tokenizers = new ArrayList<>();
    for (TokenizerSpec t : config.tokenizers()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("input", t.input());
      m.put("kind", lower(t.kind()));
      m.put("input_shape", t.inputShape());
      m.put("patch", t.patchSize());
      m.put("vocab", t.vocabSize());
      m.put("tokens", t.tokens());
      tokenizers.add(m);
    }
    root.put("tokenizers", tokenizers);
    EncoderConfig e = config.encoder();
    Map<String, Object> encoder = new LinkedHashMap<>();
    encoder.put("width", e.width());
    encoder.put("depth", e.depth());
    encoder.put("heads", e.heads());
    encoder.put("mlp_hidden", e.mlpHidden());
    encoder.put("norm", lower(e.norm()));
    encoder.put("layer_norm_eps", (double) e.layerNormEps());
    root.put("encoder", encoder);
    root.put("fusion", lower(config.fusion()));
    root.put("pooling", lower(config.pooling()));
    Map<String, Object> head = new LinkedHashMap<>();
    head.put("kind", lower(config.head().kind()));
    head.put("outputs", config.head().outputs());
    head.put("norm", config.head().norm());
    root.put("head", head);
    root.put("classes", classNames);
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("cannot write the model layout as JSON", ex);
    }
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
