package org.mpsl4j.model.pretrained;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an ONNX model that a weight loader needs: the main graph's initializers (the weights)
 * and its nodes (to learn from data flow which layer an anonymous weight belongs to).
 *
 * <p>Read path: {@code ModelProto.graph} (field 7) → {@code GraphProto.node} (1) and
 * {@code .initializer} (5) → {@code NodeProto} op type, name, inputs, outputs and {@code TensorProto}
 * name, dims, data type and data ({@code raw_data}, {@code float_data} or {@code int64_data}).
 * Everything else (opsets, attributes, value infos, doc strings) is skipped. Tensors stored outside
 * the file ({@code external_data}) are rejected, because the weights would silently be missing.
 *
 * <p>Immutable after {@link #read}; the initializers' data may be views of a memory-mapped file.
 */
public final class OnnxGraph {
  private final String source;
  private final Map<String, OnnxInitializer> initializers;
  private final List<OnnxNode> nodes;
  private final Map<String, List<OnnxNode>> consumers = new HashMap<>();
  private final Map<String, OnnxNode> producers = new HashMap<>();

  private OnnxGraph(String source, Map<String, OnnxInitializer> initializers, List<OnnxNode> nodes) {
    this.source = source;
    this.initializers = Collections.unmodifiableMap(initializers);
    this.nodes = List.copyOf(nodes);
    for (OnnxNode n : this.nodes) {
      for (String in : n.inputs()) {
        consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
      }
      for (String out : n.outputs()) {
        producers.put(out, n);
      }
    }
  }

  /** Reads {@code file} (memory-mapped; the mapping lives as long as this graph is reachable). */
  public static OnnxGraph read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("ONNX model " + file + " does not exist");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      if (ch.size() > Integer.MAX_VALUE) {
        throw new IOException(file + " is " + ch.size() + " bytes; ONNX files over 2 GiB keep their weights in "
            + "external data, which mpsl4j does not read");
      }
      return read(ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()), file.toString());
    }
  }

  /** Reads a model that ships as a class-path resource, e.g. inside a Maven jar. */
  public static OnnxGraph readResource(ClassLoader loader, String resource) throws IOException {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("class-path resource '" + resource + "' not found; is the jar that ships it on the "
            + "class path?");
      }
      return read(ByteBuffer.wrap(in.readAllBytes()), "class-path resource '" + resource + "'");
    }
  }

  /** Reads a serialized {@code ModelProto}; {@code source} names it in error messages. */
  public static OnnxGraph read(ByteBuffer model, String source) throws IOException {
    ProtoReader r = new ProtoReader(model, source);
    ProtoReader graph = null;
    while (r.next()) {
      if (r.field() == 7 && r.wireType() == ProtoReader.LENGTH_DELIMITED) {
        graph = r.message();
      } else {
        r.skip();
      }
    }
    if (graph == null) {
      throw new IOException(source + " is not a readable ONNX model: it has no graph (ModelProto field 7)");
    }
    Map<String, OnnxInitializer> initializers = new LinkedHashMap<>();
    List<OnnxNode> nodes = new ArrayList<>();
    while (graph.next()) {
      switch (graph.field()) {
        case 1 -> nodes.add(node(graph.message()));
        case 5 -> {
          OnnxInitializer t = tensor(graph.message());
          if (initializers.putIfAbsent(t.name(), t) != null) {
            throw graph.error("initializer '" + t.name() + "' appears twice");
          }
        }
        default -> graph.skip();
      }
    }
    if (initializers.isEmpty()) {
      throw new IOException(source + " is not a readable ONNX model: its graph has no initializers (no weights)");
    }
    return new OnnxGraph(source, initializers, nodes);
  }

  /** A graph from parts, for tests that edit a real graph to see how the loaders react. */
  static OnnxGraph of(String source, Map<String, OnnxInitializer> initializers, List<OnnxNode> nodes) {
    return new OnnxGraph(source, new LinkedHashMap<>(initializers), nodes);
  }

  /** Where the model came from (a path or a resource), for messages. */
  public String source() {
    return source;
  }

  /** All initializers by name, in file order. */
  public Map<String, OnnxInitializer> initializers() {
    return initializers;
  }

  /** All nodes, in file order (ONNX requires topological order). */
  public List<OnnxNode> nodes() {
    return nodes;
  }

  /** The nodes that read {@code tensor}, in graph order; empty if none. */
  public List<OnnxNode> consumers(String tensor) {
    return Collections.unmodifiableList(consumers.getOrDefault(tensor, List.of()));
  }

  /** The node that writes {@code tensor}, or null for graph inputs and initializers. */
  public OnnxNode producer(String tensor) {
    return producers.get(tensor);
  }

  private static OnnxNode node(ProtoReader r) throws IOException {
    List<String> inputs = new ArrayList<>();
    List<String> outputs = new ArrayList<>();
    String name = "";
    String op = null;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> inputs.add(r.string());
        case 2 -> outputs.add(r.string());
        case 3 -> name = r.string();
        case 4 -> op = r.string();
        default -> r.skip();
      }
    }
    if (op == null) {
      throw r.error("a node without op_type (NodeProto field 4), outputs " + outputs);
    }
    return new OnnxNode(op, name, inputs, outputs);
  }

  private static OnnxInitializer tensor(ProtoReader r) throws IOException {
    long[] dims = new long[0];
    int dataType = 0;
    String name = null;
    ByteBuffer raw = null;
    FloatList floats = new FloatList();
    List<Long> int64s = new ArrayList<>();
    boolean external = false;
    while (r.next()) {
      switch (r.field()) {
        case 1 -> {
          List<Long> d = new ArrayList<>();
          r.int64s(d::add);
          long[] grown = Arrays.copyOf(dims, dims.length + d.size());
          for (int i = 0; i < d.size(); i++) {
            grown[dims.length + i] = d.get(i);
          }
          dims = grown;
        }
        case 2 -> dataType = (int) r.varint();
        case 3 -> throw r.error("segmented tensors (TensorProto field 3) are not supported");
        case 4 -> r.floats(floats::add);
        case 7 -> r.int64s(int64s::add);
        case 8 -> name = r.string();
        case 9 -> raw = r.bytes();
        case 13 -> {
          external = true;
          r.skip();
        }
        case 14 -> external |= r.varint() == 1;
        default -> r.skip();
      }
    }
    if (name == null) {
      throw r.error("an initializer without a name (TensorProto field 8)");
    }
    if (external) {
      throw r.error("initializer '" + name + "' keeps its data in an external file, which mpsl4j does not read");
    }
    ByteBuffer data = raw != null ? raw : floats.size() > 0 ? floats.toBytes() : int64Bytes(int64s);
    OnnxInitializer t = new OnnxInitializer(name, dims, dataType, data);
    for (long d : dims) {
      if (d < 0) {
        throw r.error("initializer '" + name + "' has a negative dimension " + Arrays.toString(dims));
      }
    }
    int per = OnnxInitializer.bytesPer(dataType);
    if (per > 0 && t.elements() * per != data.remaining()) {
      throw r.error("initializer '" + name + "' " + OnnxInitializer.typeName(dataType) + Arrays.toString(dims)
          + " needs " + t.elements() * per + " bytes of data but holds " + data.remaining());
    }
    return t;
  }

  private static ByteBuffer int64Bytes(List<Long> values) {
    ByteBuffer b = ByteBuffer.allocate(values.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
    values.forEach(b::putLong);
    return b.flip();
  }

  /** A growable float array, so that unpacked {@code float_data} does not box every value. */
  private static final class FloatList {
    private float[] values = new float[16];
    private int size;

    void add(float v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    ByteBuffer toBytes() {
      ByteBuffer b = ByteBuffer.allocate(size * 4).order(ByteOrder.LITTLE_ENDIAN);
      b.asFloatBuffer().put(values, 0, size);
      return b;
    }
  }
}
