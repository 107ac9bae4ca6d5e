package org.mpsl4j.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.protocol.CodecSpec;
import org.mpsl4j.protocol.TensorCodec;
import org.mpsl4j.protocol.TensorLimits;
import org.mpsl4j.protocol.v1.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * B3 (JMH): the cut-layer tensor path, a 64×197×384 float32 tensor (19.4 MB, ViT-B/16 tokens of a
 * batch of 64; parameter {@code shape}) to the wire {@link Tensor} message and back. {@code codec=current} is
 * {@link TensorCodec}'s RAW path; {@code codec=before} the implementation it replaced ({@link TensorCodecBefore});
 * {@code fp16}, {@code bf16}, {@code int8}, {@code topk:0.1} the lossy cut-layer codecs ({@link CodecSpec}),
 * decoded as a server does (against the negotiated codec). MB/s are float32 megabytes processed per second.
 *
 * <ul>
 *   <li>{@code encode}: native tensor → message (what a sender does);
 *   <li>{@code decode}: message → native tensor in a step manager, validated (in-process transport:
 *       the receiver gets the sender's message object);
 *   <li>{@code roundTrip}: both;
 *   <li>{@code wireRoundTrip}: encode, serialize to bytes, parse, decode (the TCP path; gRPC does the
 *       middle two on its own threads).
 * </ul>
 * Run with {@code -prof gc} for allocations per message ({@code gc.alloc.rate.norm}, Java heap only;
 * native tensor memory is not counted there).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CodecBenchmark {
  /** Shape of the benchmarked tensor (the default of {@link #shape}). */
  public static final long[] SHAPE = {64, 197, 384};

  @Param({"current", "before", "fp16", "bf16", "int8", "topk:0.1"})
  public String codec;

  /**
   * {@code 64x197x384}: a cut-layer batch of ViT-B/16 tokens (19.4 MB). {@code 1x17x64}: one B2 client's
   * activations (4.3 KB), where per-call costs dominate.
   */
  @Param({"64x197x384"})
  public String shape;

  private NDManager manager;
  private NDArray tensor;
  private Tensor message;
  private byte[] wire;
  private TensorLimits limits;
  private NDManager step;

  public static long bytes() {
    return bytes("64x197x384");
  }

  /** Payload bytes of a float32 tensor of {@code shape} ("AxBxC"). */
  public static long bytes(String shape) {
    long n = Float.BYTES;
    for (String d : shape.split("x")) {
      n *= Long.parseLong(d);
    }
    return n;
  }

  @Setup(Level.Trial)
  public void setUp() {
    manager = NDManager.newBaseManager();
    long[] dims = java.util.Arrays.stream(shape.split("x")).mapToLong(Long::parseLong).toArray();
    tensor = manager.randomNormal(new Shape(dims));
    message = encode(tensor);
    wire = message.toByteArray();
    limits = new TensorLimits(3, 1L << 28, true);
  }

  @Setup(Level.Invocation)
  public void newStep() {
    step = manager.newSubManager();
  }

  /** Frees the invocation's tensors, as the end of a training step does. */
  @TearDown(Level.Invocation)
  public void endStep() {
    step.close();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    manager.close();
  }

  private boolean current() {
    return codec.equals("current");
  }

  /** The lossy codec of this run, or null for {@code current} / {@code before} (RAW). */
  private CodecSpec lossy() {
    return current() || codec.equals("before") ? null : CodecSpec.parse(codec);
  }

  private Tensor encode(NDArray a) {
    CodecSpec lossy = lossy();
    return lossy != null ? TensorCodec.encode(a, lossy) : current() ? TensorCodec.encode(a) : TensorCodecBefore.encode(a);
  }

  private NDArray decode(Tensor t) {
    CodecSpec lossy = lossy();
    return lossy != null ? TensorCodec.decode(t, step, limits, "bench", lossy)
        : current() ? TensorCodec.decode(t, step, limits, "bench") : TensorCodecBefore.decode(t, step, limits, "bench");
  }

  /** Serialized bytes of one {@code shape} tensor message packed with {@code codec} (as benchmarked). */
  public static long wireBytes(String codec, String shape) {
    CodecBenchmark b = new CodecBenchmark();
    b.codec = codec;
    b.shape = shape;
    b.setUp();
    try {
      return b.message.getSerializedSize();
    } finally {
      b.tearDown();
    }
  }

  @Benchmark
  public Tensor encode() {
    return encode(tensor);
  }

  @Benchmark
  public NDArray decode() {
    return decode(message);
  }

  @Benchmark
  public NDArray roundTrip() {
    return decode(encode(tensor));
  }

  @Benchmark
  public NDArray wireRoundTrip() throws InvalidProtocolBufferException {
    return decode(Tensor.parseFrom(encode(tensor).toByteArray()));
  }

  /** The serialized size of one message, for MB/s (payload bytes are {@link #bytes()}). */
  public byte[] wire() {
    return wire;
  }
}
