package org.mpsl4j.engine.mpsl;

import java.util.List;
import java.util.Set;
import org.mpsl4j.protocol.CodecSpec;

/**
 * Which cut-layer codecs a server accepts per direction; a Hello asking for another is refused
 * ({@code BAD_HELLO}). {@link #any()} accepts every valid codec (the default of an {@link MpslServer});
 * the {@code server} command accepts exactly its {@code --codec-up} / {@code --codec-down}, like every
 * other setting that server and clients must share.
 *
 * @param up accepted activation codecs; empty means any
 * @param down accepted gradient codecs; empty means any
 */
public record CodecPolicy(Set<CodecSpec> up, Set<CodecSpec> down) {
  public CodecPolicy {
    up = Set.copyOf(up);
    down = Set.copyOf(down);
  }

  /** Accepts every valid codec in both directions. */
  public static CodecPolicy any() {
    return new CodecPolicy(Set.of(), Set.of());
  }

  /** Accepts exactly {@code up} for activations and {@code down} for gradients. */
  public static CodecPolicy only(CodecSpec up, CodecSpec down) {
    return new CodecPolicy(Set.of(up), Set.of(down));
  }

  /** Null if the pair is accepted, else why not (for the BAD_HELLO message). */
  String refusal(CodecSpec askedUp, CodecSpec askedDown) {
    if (!up.isEmpty() && !up.contains(askedUp)) {
      return "the server accepts activation codec " + names(up) + " but the client asked for " + askedUp
          + ": start server and clients with the same --codec-up";
    }
    if (!down.isEmpty() && !down.contains(askedDown)) {
      return "the server accepts gradient codec " + names(down) + " but the client asked for " + askedDown
          + ": start server and clients with the same --codec-down";
    }
    return null;
  }

  private static String names(Set<CodecSpec> specs) {
    List<String> n = specs.stream().map(CodecSpec::toString).sorted().toList();
    return n.size() == 1 ? n.get(0) : n.toString();
  }
}
