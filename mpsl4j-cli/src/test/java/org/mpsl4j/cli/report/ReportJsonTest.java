package org.mpsl4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportJsonTest {
  record Figures(double accuracy, Double loss, float macs, double measured) {}

  @Test
  void aFigureThatWasNotMeasuredIsNullAndMeasuredOnesStayNumbers() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("figures", new Figures(Double.NaN, Double.POSITIVE_INFINITY, Float.NaN, 0.5));
    String json = ReportJson.mapper().writeValueAsString(m);

    JsonNode f = new ObjectMapper().readTree(json).get("figures");
    assertThat(f.get("accuracy").isNull()).isTrue();
    assertThat(f.get("loss").isNull()).isTrue();
    assertThat(f.get("macs").isNull()).isTrue();
    assertThat(f.get("measured").isNumber()).isTrue();
    assertThat(f.get("measured").asDouble()).isEqualTo(0.5);
    assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
  }
}
