package org.mpsl4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The 100 Mbit/s arithmetic of the codec benchmark: transfer time + measured codec time, against RAW. */
final class CodecLinkTableTest {
  private static CodecBench.Row trip(String codec, double ms, long bytes) {
    return new CodecBench.Row("roundTrip", codec, "64x197x384", ms, 0, 0, 0, bytes);
  }

  @Test
  void savedTime_isRawTransferPlusCodecMinusTheSameForTheCodec() {
    CodecBench.Summary b = new CodecBench.Summary("float32 64x197x384", 19_365_888, 1, 1, 1, List.of(
        trip("current", 10, 20_000_000), trip("before", 30, 20_000_000), trip("int8", 50, 5_000_000),
        new CodecBench.Row("encode", "int8", "64x197x384", 20, 0, 0, 0, 5_000_000)));
    String md = BenchMarkdown.linkTable(b, 100e6);
    // RAW: 20 MB × 8 / 100 Mbit/s = 1600 ms + 10 ms; int8: 400 ms + 50 ms, so 1160 ms saved.
    assertThat(md).contains("| raw | 64x197x384 | 20,000,000 | 1600.0 | 10.0 | 1610.0 | +0.0 |")
        .contains("| int8 | 64x197x384 | 5,000,000 | 400.0 | 50.0 | 450.0 | +1160.0 |")
        .doesNotContain("before");
  }
}
