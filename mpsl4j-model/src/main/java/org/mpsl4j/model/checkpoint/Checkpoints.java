package org.mpsl4j.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.Parameter;

/**
 * Saves and loads any {@link Module} (a tokenizer, the client part, the server part, a whole model)
 * as safetensors under its PyTorch-style parameter names, optionally with a prefix such as
 * {@code encoder.}. A PyTorch model with the same layout loads the file with
 * {@code model.load_state_dict(safetensors.torch.load_file(path))}.
 */
public final class Checkpoints {
  private Checkpoints() {}

  public static void save(Module module, Path file, Map<String, String> metadata) throws IOException {
    save(module.namedParameters(), file, metadata);
  }

  /** Saves these parameters by name (e.g. a model without its client-held head). */
  public static void save(Map<String, Parameter> parameters, Path file, Map<String, String> metadata)
      throws IOException {
    Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
    parameters.forEach((name, p) -> tensors.put(name, entry(p.array())));
    SafeTensors.write(file, tensors, metadata);
  }

  /**
   * Loads every parameter of {@code module} from {@code file}.
   *
   * @param strict if true, tensors in the file that the module lacks are an error too
   * @throws IOException naming each missing, unexpected or mis-shaped tensor
   */
  public static void load(Module module, Path file, boolean strict) throws IOException {
    load(module.namedParameters(), file, strict);
  }

  /** As {@link #load(Module, Path, boolean)}, into these parameters by name. */
  public static void load(Map<String, Parameter> params, Path file, boolean strict) throws IOException {
    Map<String, SafeTensors.Entry> stored = SafeTensors.read(file);
    TreeSet<String> missing = new TreeSet<>(params.keySet());
    missing.removeAll(stored.keySet());
    TreeSet<String> unexpected = new TreeSet<>(stored.keySet());
    unexpected.removeAll(params.keySet());
    if (!missing.isEmpty() || (strict && !unexpected.isEmpty())) {
      throw new IOException("checkpoint " + file + " does not match the model: missing " + missing
          + (strict ? ", unexpected " + unexpected : ""));
    }
    for (Map.Entry<String, Parameter> e : params.entrySet()) {
      SafeTensors.Entry t = stored.get(e.getKey());
      Shape want = e.getValue().shape();
      if (!Arrays.equals(t.shape(), want.getShape()) || !t.dtype().equals("F32")) {
        throw new IOException("checkpoint " + file + ": '" + e.getKey() + "' is " + t.dtype() + Arrays.toString(t.shape())
            + " but the model needs F32" + want);
      }
    }
    NDManager base = params.values().iterator().next().array().getManager();
    try (NDManager scope = base.newSubManager()) {
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        SafeTensors.Entry t = stored.get(e.getKey());
        NDArray values = scope.create(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(),
            e.getValue().shape(), DataType.FLOAT32);
        e.getValue().copyFrom(values);
      }
    }
  }

  static SafeTensors.Entry entry(NDArray array) {
    String dtype = switch (array.getDataType()) {
      case FLOAT32 -> "F32";
      case INT64 -> "I64";
      default -> throw new IllegalArgumentException("cannot checkpoint dtype " + array.getDataType());
    };
    return new SafeTensors.Entry(dtype, array.getShape().getShape(), array.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
  }
}
