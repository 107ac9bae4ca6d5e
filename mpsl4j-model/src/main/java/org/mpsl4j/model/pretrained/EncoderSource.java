package org.mpsl4j.model.pretrained;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.checkpoint.Checkpoints;
import org.mpsl4j.model.checkpoint.SafeTensors;
import org.mpsl4j.model.encoder.TransformerEncoder;
import org.mpsl4j.model.tokenizer.TextTokenizer;

/**
 * Where the server encoder's starting weights come from: the value of an {@code --encoder} setting.
 *
 * <ul>
 *   <li>{@code minilm-l6}: pretrained all-MiniLM-L6-v2 ({@link MiniLm}); the encoder shape is MiniLM's
 *       whatever the run configures;
 *   <li>{@code scratch}: the configured shape with its seeded random initialization;
 *   <li>a path to an mpsl4j safetensors checkpoint: either an encoder alone ({@code blocks.0...}) or a
 *       larger model whose encoder sits under a prefix ({@code encoder.blocks.0...}); the run's
 *       configured shape must match the file.
 * </ul>
 *
 * <p>Usage: build the encoder with {@link #config}, then call {@link #initialize} once.
 */
public sealed interface EncoderSource {
  /** The names {@link #parse} accepts besides a path. */
  String PRETRAINED = "minilm-l6";
  String SCRATCH = "scratch";
  /** MiniLM's shape with a seeded random initialization: the control of a pretrained run. */
  String SCRATCH_MINILM = "minilm-l6-scratch";

  /**
   * Parses an {@code --encoder} value.
   *
   * @throws IllegalArgumentException for an unknown name or a checkpoint path that does not exist
   */
  static EncoderSource parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    String s = spec.trim();
    if (s.toLowerCase(Locale.ROOT).equals(PRETRAINED)) {
      return new Pretrained();
    }
    if (s.toLowerCase(Locale.ROOT).equals(SCRATCH)) {
      return new Scratch();
    }
    if (s.toLowerCase(Locale.ROOT).equals(SCRATCH_MINILM)) {
      return new Scratch(MiniLm.config());
    }
    Path file = Path.of(s);
    if (Files.isRegularFile(file)) {
      return new Checkpoint(file);
    }
    throw new IllegalArgumentException("--encoder '" + spec + "' is neither " + PRETRAINED + ", " + SCRATCH + ", "
        + SCRATCH_MINILM + " nor an existing safetensors checkpoint file");
  }

  /** The encoder shape to build, given the shape the run configures. */
  EncoderConfig config(EncoderConfig configured);

  /** Fills an encoder built with {@link #config}; its trainable flags are kept. */
  void initialize(TransformerEncoder encoder) throws IOException;

  /** Fills a client's text tokenizer where the source has text embeddings; others leave it as built. */
  default void initializeText(TextTokenizer tokenizer) throws IOException {}

  /** Pretrained all-MiniLM-L6-v2 from the class path. */
  record Pretrained() implements EncoderSource {
    @Override
    public EncoderConfig config(EncoderConfig configured) {
      return MiniLm.config();
    }

    @Override
    public void initialize(TransformerEncoder encoder) throws IOException {
      MiniLm.shared().loadEncoder(encoder);
    }

    @Override
    public void initializeText(TextTokenizer tokenizer) throws IOException {
      MiniLm.shared().loadTextTokenizer(tokenizer);
    }

    @Override
    public String toString() {
      return PRETRAINED;
    }
  }

  /**
   * Seeded random initialization, of the configured shape ({@code shape} null) or of a fixed one;
   * {@link #initialize} leaves the encoder as built.
   */
  record Scratch(EncoderConfig shape) implements EncoderSource {
    /** The configured shape. */
    public Scratch() {
      this(null);
    }

    @Override
    public EncoderConfig config(EncoderConfig configured) {
      return shape != null ? shape : configured;
    }

    @Override
    public void initialize(TransformerEncoder encoder) {}

    @Override
    public String toString() {
      return shape == null ? SCRATCH : shape.equals(MiniLm.config()) ? SCRATCH_MINILM : "scratch " + shape;
    }
  }

  /** An mpsl4j safetensors checkpoint that holds an encoder, possibly under a name prefix. */
  record Checkpoint(Path file) implements EncoderSource {
    private static final Pattern FIRST_BLOCK = Pattern.compile("(.*)blocks\\.0\\.norm1\\.weight");

    public Checkpoint {
      Objects.requireNonNull(file, "file");
    }

    @Override
    public EncoderConfig config(EncoderConfig configured) {
      return configured;
    }

    @Override
    public void initialize(TransformerEncoder encoder) throws IOException {
      String prefix = encoderPrefix();
      // strict for a bare encoder; a whole model's file also holds heads and tokenizers, which are skipped
      Checkpoints.load(Prefixed.wrap(prefix, encoder), file, prefix.isEmpty());
    }

    /** The name prefix of the encoder's tensors in the file: "" or e.g. "encoder.". */
    String encoderPrefix() throws IOException {
      TreeSet<String> prefixes = new TreeSet<>();
      for (String name : SafeTensors.read(file).keySet()) {
        Matcher m = FIRST_BLOCK.matcher(name);
        if (m.matches()) {
          prefixes.add(m.group(1));
        }
      }
      if (prefixes.size() != 1) {
        throw new IOException("checkpoint " + file + " should hold exactly one encoder (a tensor named "
            + "[prefix]blocks.0.norm1.weight) but has " + (prefixes.isEmpty() ? "none" : "prefixes " + prefixes));
      }
      return prefixes.first();
    }

    @Override
    public String toString() {
      return file.toString();
    }
  }
}
