package org.mpsl4j.data.openclipart;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Replaces the words of a text that name its class with {@code [MASK]}: OpenClipart keywords often repeat the
 * category folder ("animal" in animals/), which would let a text model read the label instead of learning it.
 *
 * <p>A category name such as {@code signs_and_symbols} gives the words sign, signs, symbol and symbols (each word of
 * the name, with and without a trailing "s"; "and", "of" and "the" are not masked). Matching is case-insensitive and on
 * whole words only ("animal" is masked, "animated" is not).
 */
public final class LabelMasker {

  /** What a masked word becomes (the MiniLM vocabulary's mask token). */
  public static final String MASK = "[MASK]";

  private static final Set<String> KEEP = Set.of("and", "of", "the");
  private static final Pattern WORD = Pattern.compile("\\p{L}+");

  private final Set<String> masked;

  /** A masker for one category folder name. */
  public LabelMasker(String category) {
    Set<String> words = new HashSet<>();
    for (String part : category.toLowerCase(Locale.ROOT).split("[^\\p{L}]+")) {
      if (part.isEmpty() || KEEP.contains(part)) {
        continue;
      }
      words.add(part);
      words.add(part.endsWith("s") ? part.substring(0, part.length() - 1) : part + "s");
    }
    this.masked = Set.copyOf(words);
  }

  /** The words that are masked. */
  public Set<String> maskedWords() {
    return masked;
  }

  /** The text with every masked word replaced by {@link #MASK}. */
  public String mask(String text) {
    Matcher m = WORD.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String replacement = masked.contains(m.group().toLowerCase(Locale.ROOT)) ? MASK : m.group();
      m.appendReplacement(sb, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(sb);
    return sb.toString();
  }
}
