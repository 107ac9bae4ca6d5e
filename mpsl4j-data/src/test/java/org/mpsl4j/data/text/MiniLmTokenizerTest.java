package org.mpsl4j.data.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;

/** The MiniLM WordPiece tokenizer gives BERT-uncased ids, fixed length, with a mask. */
final class MiniLmTokenizerTest {

  private static final InputSpec SPEC = new InputSpec("text", Modality.TEXT, new int[] {8});

  @Test
  void encode_shortText_clsTokensSepThenPadding() {
    try (MiniLmTokenizer t = MiniLmTokenizer.create(8)) {
      Column.Tokens tokens = t.encode(SPEC, List.of("Hello world"));

      // bert-base-uncased: [CLS]=101, hello=7592, world=2088, [SEP]=102, [PAD]=0.
      assertThat(tokens.ids()).containsExactly(101, 7592, 2088, 102, 0, 0, 0, 0);
      assertThat(tokens.attentionMask()).containsExactly(1, 1, 1, 1, 0, 0, 0, 0);
    }
  }

  @Test
  void encode_longText_truncatedToMaxLengthEndingInSep() {
    try (MiniLmTokenizer t = MiniLmTokenizer.create(8)) {
      Column.Tokens tokens = t.encode(SPEC, List.of("one two three four five six seven eight nine ten"));

      assertThat(tokens.ids()).hasSize(8);
      assertThat(tokens.ids()[0]).isEqualTo(101);
      assertThat(tokens.ids()[7]).isEqualTo(102);
      assertThat(tokens.attentionMask()).containsOnly(1L);
    }
  }

  @Test
  void encode_maskToken_keptAsSpecialId() {
    try (MiniLmTokenizer t = MiniLmTokenizer.create(8)) {
      Column.Tokens tokens = t.encode(SPEC, List.of("a [MASK] cat"));

      assertThat(tokens.ids()).contains(MiniLmTokenizer.MASK_ID);
    }
  }
}
