package org.mpsl4j.cli.report;

import java.util.List;
import java.util.Locale;
import org.mpsl4j.engine.baselines.MethodResult;
import org.mpsl4j.protocol.CodecSpec;

/**
 * The codec trade-off of a comparison: for MPSL with each cut-layer codec pair, bytes up and down per
 * client per epoch, their ratio to float32 (the RAW run of the same comparison) and the final test
 * accuracy with its difference to float32. Every figure comes from the runs; nothing is estimated.
 */
public final class CodecReport {
  private CodecReport() {}

  /** One MPSL run, the codecs it used and whether top-k activations carried error feedback. */
  public record Variant(CodecSpec up, CodecSpec down, boolean errorFeedback, MethodResult result) {
    boolean raw() {
      return !up.lossy() && !down.lossy();
    }
  }

  /** The Markdown section (heading, table, notes), or "" without a float32 reference run. */
  public static String section(List<Variant> variants) {
    Variant reference = variants.stream().filter(Variant::raw).findFirst().orElse(null);
    if (reference == null) {
      return "";
    }
    MethodResult f32 = reference.result();
    StringBuilder b = new StringBuilder("## Cut-layer codecs\n\n");
    b.append("| codec up / down | KiB up/client/epoch | KiB down/client/epoch | float32 ÷ codec, up | float32 ÷ codec, down "
        + "| float32 ÷ codec, total | final test acc | Δ vs float32 |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    double upRef = f32.meanBytesUpPerClientPerEpoch();
    double downRef = f32.meanBytesDownPerClientPerEpoch();
    for (Variant v : variants) {
      MethodResult r = v.result();
      double up = r.meanBytesUpPerClientPerEpoch();
      double down = r.meanBytesDownPerClientPerEpoch();
      b.append(String.format(Locale.ROOT, "| %s / %s | %,.1f | %,.1f | %.2f× | %.2f× | %.2f× | %.2f %% | %+.2f pt |%n",
          v.up() + (v.errorFeedback() || v.up().codec() != org.mpsl4j.protocol.v1.Codec.TOPK ? "" : " (no EF)"),
          v.down(), up / 1024, down / 1024, upRef / up, downRef / down, (upRef + downRef) / (up + down),
          100 * r.finalAccuracy(), 100 * (r.finalAccuracy() - f32.finalAccuracy())));
    }
    b.append("""

        Bytes are whole serialized messages of training (as in the table above): only cut-layer activations
        (up) and cut-layer gradients (down) are packed; outputs and output gradients (b × C), padding masks,
        control messages and the epoch-end tokenizer upload stay float32, so the total ratios are a little
        below the tensors' own (int8 per token: 4d / (d + 8)). Top-k activations use error feedback on the
        client (unless marked "no EF"); top-k gradients have none (no per-client state on the server). All variants start from
        the same model, partition and seed.

        """);
    return b.toString();
  }
}
