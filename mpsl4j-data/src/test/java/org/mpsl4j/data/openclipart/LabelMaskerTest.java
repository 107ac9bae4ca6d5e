package org.mpsl4j.data.openclipart;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Words naming the label are masked as whole words, case-insensitively, singular and plural. */
final class LabelMaskerTest {

  @Test
  void mask_categoryWordsSingularAndPlural_replaced() {
    LabelMasker m = new LabelMasker("animals");
    assertThat(m.mask("Bat. mammal, Animal, animals, animated")).isEqualTo("Bat. mammal, [MASK], [MASK], animated");
  }

  @Test
  void mask_multiWordCategory_eachWordButConnectives() {
    LabelMasker m = new LabelMasker("signs_and_symbols");
    assertThat(m.mask("road sign and symbol")).isEqualTo("road [MASK] and [MASK]");
    assertThat(m.maskedWords()).containsExactlyInAnyOrder("sign", "signs", "symbol", "symbols");
  }
}
