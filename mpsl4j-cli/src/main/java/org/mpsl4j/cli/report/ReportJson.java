package org.mpsl4j.cli.report;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * The JSON writer of result files. A figure that was not measured (NaN: no test set, no step) is written as
 * {@code null}, not as Jackson's default string {@code "NaN"}, which a reader of the file would take for a value of
 * another type (and strict JSON has no NaN).
 */
public final class ReportJson {
  private ReportJson() {}

  /** An indenting mapper that writes non-finite doubles and floats as null. */
  public static ObjectMapper mapper() {
    FiniteOrNull<Double> doubles = new FiniteOrNull<>();
    FiniteOrNull<Float> floats = new FiniteOrNull<>();
    SimpleModule module = new SimpleModule("finite-or-null")
        .addSerializer(Double.class, doubles).addSerializer(Double.TYPE, doubles)
        .addSerializer(Float.class, floats).addSerializer(Float.TYPE, floats);
    return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).registerModule(module);
  }

  /** Writes a finite number as itself (a float keeps its own shortest form) and NaN or an infinity as null. */
  private static final class FiniteOrNull<T extends Number> extends JsonSerializer<T> {
    @Override
    public void serialize(T v, JsonGenerator g, SerializerProvider p) throws IOException {
      if (!Double.isFinite(v.doubleValue())) {
        g.writeNull();
      } else if (v instanceof Float f) {
        g.writeNumber(f);
      } else {
        g.writeNumber(v.doubleValue());
      }
    }
  }
}
