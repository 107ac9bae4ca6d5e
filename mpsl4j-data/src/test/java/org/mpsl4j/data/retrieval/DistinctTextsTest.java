package org.mpsl4j.data.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.junit.jupiter.api.Test;

final class DistinctTextsTest {
  private static final InputSpec IMAGE = new InputSpec("image", Modality.IMAGE, new int[] {1, 1, 2});
  private static final InputSpec TEXT = new InputSpec("text", Modality.TEXT, new int[] {3});

  /** Five pairs; texts 0, 2 and 4 are one caption (same ids), 1 differs only in the attention mask's reach. */
  private static ArrayDataset pairs() {
    float[] pixels = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
    long[] ids = {101, 7, 102, 101, 7, 0, 101, 7, 102, 101, 8, 102, 101, 7, 102};
    long[] mask = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    return new ArrayDataset("pairs", List.of("a", "b"),
        List.of(new Column.Floats(IMAGE, pixels), new Column.Tokens(TEXT, ids, mask)), new int[] {0, 1, 0, 1, 1}, null,
        List.of());
  }

  @Test
  void of_keepsTheFirstPairOfEachCaption_inOrder() {
    ArrayDataset kept = DistinctTexts.of(pairs());

    assertThat(DistinctTexts.firstOfEachText(pairs())).containsExactly(0, 1, 3);
    assertThat(kept.size()).isEqualTo(3);
    assertThat(kept.batch(new int[] {0, 1, 2}).inputs().get("image").floats()).containsExactly(0, 0, 1, 1, 3, 3);
    assertThat(kept.labels()).containsExactly(0, 1, 1);
  }

  @Test
  void of_withoutText_isRefusedNamingTheInputs() {
    ArrayDataset imagesOnly = new ArrayDataset("pictures", List.of("a"),
        List.of(new Column.Floats(IMAGE, new float[] {0, 1})), new int[] {0}, null, List.of());

    assertThatThrownBy(() -> DistinctTexts.of(imagesOnly)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pictures").hasMessageContaining("no text input").hasMessageContaining("[image]");
  }

  @Test
  void usablePairs_withoutText_onlyLimitsEachSide() {
    ArrayDataset pictures = new ArrayDataset("pictures", List.of("a"),
        List.of(new Column.Floats(IMAGE, new float[] {0, 0, 1, 1, 2, 2})), new int[] {0, 0, 0}, null, List.of());

    org.mpsl4j.data.DatasetSplit picked = DistinctTexts.usablePairs(new org.mpsl4j.data.DatasetSplit(pictures, pictures), 2, 1);

    assertThat(picked.train().size()).isEqualTo(2);
    assertThat(picked.test().size()).isEqualTo(2);
  }

  @Test
  void usablePairs_withText_limitsTheDistinctPairs() {
    org.mpsl4j.data.DatasetSplit picked = DistinctTexts.usablePairs(new org.mpsl4j.data.DatasetSplit(pairs(), pairs()), 0, 1);

    assertThat(picked.train().size()).isEqualTo(3);
    assertThat(picked.test().size()).isEqualTo(3);
  }
}
