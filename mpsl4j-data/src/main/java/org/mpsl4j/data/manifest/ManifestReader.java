package org.mpsl4j.data.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.Modality;

/**
 * Parses a manifest into rows: CSV with a header ({@code .csv}, Jackson's CSV parser, RFC 4180 quoting) or one JSON
 * object per line ({@code .jsonl}, {@code .ndjson}). Structural problems (unknown column, missing label, a line that
 * is not JSON) become {@link Problem}s with their line; nothing here opens the files a row names.
 *
 * <p>Columns: {@code label} (required), {@code client}, {@code split}, {@code id} (ignored, for the user's reference),
 * and at least one modality: {@code image}, {@code audio}, {@code text} or {@code text_file}, {@code sensor}.
 */
public final class ManifestReader {

  /** The modality of each modality column. */
  public static final Map<String, Modality> MODALITY_COLUMNS = Map.of("image", Modality.IMAGE, "audio",
      Modality.AUDIO, "text", Modality.TEXT, "text_file", Modality.TEXT, "sensor", Modality.SENSOR);
  /** Columns that are not modalities. */
  public static final Set<String> OTHER_COLUMNS = Set.of("label", "client", "split", "id");

  private static final String KNOWN = "label, client, split, id, image, audio, text, text_file, sensor";
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestReader() {
  }

  /**
   * One problem of a manifest.
   *
   * @param line    line of the manifest (1 = the CSV header or the first JSON line)
   * @param message what is wrong, naming the column or file
   */
  public record Problem(int line, String message) {
    /** {@code file:line: message}, as compilers print it. */
    public String format(Path manifest) {
      return manifest.getFileName() + ":" + line + ": " + message;
    }
  }

  /**
   * One sample's entry.
   *
   * @param line   its line in the manifest
   * @param label  its class name (never blank in a parsed manifest without problems)
   * @param client its client (device) name, or "" if none
   * @param split  "train", "test" or "" if none
   * @param values non-empty modality values by column name ({@code image}, ..., {@code text_file})
   */
  public record Row(int line, String label, String client, String split, Map<String, String> values) {
    public Row {
      values = Map.copyOf(values);
    }
  }

  /**
   * A parsed manifest.
   *
   * @param file       the manifest
   * @param modalities the modality columns present, in the fixed order image, audio, text(_file), sensor
   * @param rows       the rows that could be parsed
   * @param problems   structural problems, by line
   */
  public record Parsed(Path file, List<String> modalities, List<Row> rows, List<Problem> problems) {
  }

  /**
   * Reads a manifest.
   *
   * @throws CorruptDataException if the file cannot be read at all or its extension is neither CSV nor JSON lines
   */
  public static Parsed read(Path file) {
    return read(file, true);
  }

  /**
   * Reads a manifest whose rows may lack a label when {@code labelRequired} is false (inputs to classify with
   * {@code mpsl4j predict}); a row without one has the label "".
   */
  public static Parsed read(Path file, boolean labelRequired) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (!Files.isRegularFile(file)) {
      throw new CorruptDataException(file, "manifest not found");
    }
    try {
      if (name.endsWith(".csv")) {
        return readCsv(file, labelRequired);
      }
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
        return readJsonLines(file, labelRequired);
      }
    } catch (IOException e) {
      throw new CorruptDataException(file, "cannot be read: " + e.getMessage(), e);
    }
    throw new CorruptDataException(file, "a manifest must end in .csv, .jsonl or .ndjson");
  }

  private static Parsed readCsv(Path file, boolean labelRequired) throws IOException {
    List<Problem> problems = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    CsvMapper mapper = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY)
        .enable(CsvParser.Feature.TRIM_SPACES).build();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        MappingIterator<String[]> it = mapper.readerFor(String[].class).readValues(in)) {
      if (!it.hasNextValue()) {
        problems.add(new Problem(1, "the manifest is empty; the first line must name the columns (" + KNOWN + ")"));
        return new Parsed(file, List.of(), rows, problems);
      }
      String[] header = it.nextValue();
      for (int c = 0; c < header.length; c++) {
        header[c] = header[c].strip().toLowerCase(Locale.ROOT);
        if (c == 0 && header[c].startsWith("\uFEFF")) { // a byte-order mark some spreadsheets write
          header[c] = header[c].substring(1);
        }
      }
      List<String> columns = List.of(header);
      for (String c : columns) {
        if (!MODALITY_COLUMNS.containsKey(c) && !OTHER_COLUMNS.contains(c)) {
          problems.add(new Problem(1, "unknown column '" + c + "'; columns are " + KNOWN));
        }
      }
      List<String> modalities = modalityColumns(columns, 1, problems);
      if (labelRequired && !columns.contains("label")) {
        problems.add(new Problem(1, "no 'label' column; every row needs its class in 'label'"));
      }
      while (it.hasNextValue()) {
        int line = it.getCurrentLocation().getLineNr();
        String[] fields = it.nextValue();
        if (fields.length == 1 && fields[0].isBlank()) {
          continue;
        }
        if (fields.length != header.length) {
          problems.add(new Problem(line, fields.length + " fields but the header names " + header.length));
          continue;
        }
        Map<String, String> byColumn = new LinkedHashMap<>();
        for (int c = 0; c < header.length; c++) {
          byColumn.put(header[c], fields[c].strip());
        }
        rows.add(row(line, byColumn, modalities, labelRequired, problems));
      }
      return new Parsed(file, modalities, rows, problems);
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
      problems.add(new Problem(line, "malformed CSV: " + e.getOriginalMessage()));
      return new Parsed(file, List.of(), rows, problems);
    }
  }

  private static Parsed readJsonLines(Path file, boolean labelRequired) throws IOException {
    List<Problem> problems = new ArrayList<>();
    List<Row> rows = new ArrayList<>();
    List<String> seen = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int line = 0;
      List<Map.Entry<Integer, Map<String, String>>> entries = new ArrayList<>();
      while ((text = in.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
          problems.add(new Problem(line, "not a JSON object: " + e.getOriginalMessage()));
          continue;
        }
        if (!node.isObject()) {
          problems.add(new Problem(line, "not a JSON object"));
          continue;
        }
        Map<String, String> byColumn = new LinkedHashMap<>();
        boolean ok = true;
        for (var field : (Iterable<Map.Entry<String, JsonNode>>) node::fields) {
          String key = field.getKey().toLowerCase(Locale.ROOT);
          if (!MODALITY_COLUMNS.containsKey(key) && !OTHER_COLUMNS.contains(key)) {
            problems.add(new Problem(line, "unknown field '" + field.getKey() + "'; fields are " + KNOWN));
            ok = false;
            continue;
          }
          String value = jsonValue(key, field.getValue(), line, problems);
          if (value == null) {
            ok = false;
            continue;
          }
          byColumn.put(key, value);
          if (MODALITY_COLUMNS.containsKey(key) && !seen.contains(key)) {
            seen.add(key);
          }
        }
        if (ok) {
          entries.add(Map.entry(line, byColumn));
        }
      }
      // A JSON line may leave out any field, so the modalities are those any line names.
      List<String> modalities = modalityColumns(seen, entries.isEmpty() ? 1 : entries.get(0).getKey(), problems);
      for (var e : entries) {
        rows.add(row(e.getKey(), e.getValue(), modalities, labelRequired, problems));
      }
      if (line == 0) {
        problems.add(new Problem(1, "the manifest is empty"));
      }
      return new Parsed(file, modalities, rows, problems);
    }
  }

  /** A JSON field as manifest text: strings as they are, numbers as text, a sensor array as an inline series. */
  private static String jsonValue(String key, JsonNode v, int line, List<Problem> problems) {
    if (v.isNull()) {
      return "";
    }
    if (v.isTextual()) {
      return v.asText().strip();
    }
    if (v.isNumber() && !MODALITY_COLUMNS.containsKey(key)) {
      return v.asText();
    }
    if (v.isArray() && key.equals("sensor")) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode step : v) {
        if (sb.length() > 0) {
          sb.append(';');
        }
        if (step.isArray()) {
          List<String> values = new ArrayList<>();
          step.forEach(x -> values.add(x.asText()));
          sb.append(String.join(",", values));
        } else {
          sb.append(step.asText());
        }
      }
      return sb.toString();
    }
    problems.add(new Problem(line, "field '" + key + "' must be a string" + (key.equals("sensor")
        ? " (a CSV path) or an array of time steps" : "") + " but is " + v.getNodeType().toString().toLowerCase(
        Locale.ROOT)));
    return null;
  }

  private static List<String> modalityColumns(List<String> columns, int line, List<Problem> problems) {
    List<String> out = new ArrayList<>();
    for (String c : List.of("image", "audio", "text", "text_file", "sensor")) {
      if (columns.contains(c)) {
        out.add(c);
      }
    }
    if (out.contains("text") && out.contains("text_file")) {
      problems.add(new Problem(line, "both 'text' and 'text_file' columns; give each sample's text one way"));
    }
    if (out.isEmpty()) {
      problems.add(new Problem(line, "no modality column; name at least one of image, audio, text, text_file,"
          + " sensor"));
    }
    return List.copyOf(out);
  }

  private static Row row(int line, Map<String, String> byColumn, List<String> modalities, boolean labelRequired,
      List<Problem> problems) {
    String label = byColumn.getOrDefault("label", "");
    if (labelRequired && label.isBlank()) {
      problems.add(new Problem(line, "label is empty"));
    }
    String split = byColumn.getOrDefault("split", "").toLowerCase(Locale.ROOT);
    if (!split.isEmpty() && !split.equals("train") && !split.equals("test")) {
      problems.add(new Problem(line, "split is '" + byColumn.get("split") + "'; use train, test or leave it empty"));
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String m : modalities) {
      String v = byColumn.getOrDefault(m, "");
      if (!v.isEmpty()) {
        values.put(m, v);
      }
    }
    return new Row(line, label.strip(), byColumn.getOrDefault("client", "").strip(), split, values);
  }
}
