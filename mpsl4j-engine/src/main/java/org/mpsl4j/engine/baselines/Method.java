package org.mpsl4j.engine.baselines;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The training methods mpsl4j compares (README.md, "MPSL and the baselines"). */
public enum Method {
  MPSL("mpsl", "MPSL", true),
  /** MPSL whose contrastive loss runs on the server over the whole concatenated batch (retrieval only). */
  MPSL_SERVER_LOSS("mpsl-server-loss", "MPSL server-side loss", true),
  CENTRALIZED("centralized", "Centralized", false),
  FEDAVG("fedavg", "FedAvg", true),
  FEDCLIP("fedclip", "FedCLIP-adapter", true),
  SPLITFED_V1("splitfed-v1", "SplitFed v1", true),
  SPLITFED_V2("splitfed-v2", "SplitFed v2", true),
  SEQUENTIAL_SL("sl", "Sequential SL", true);

  private final String id;
  private final String label;
  private final boolean hasClients;

  Method(String id, String label, boolean hasClients) {
    this.id = id;
    this.label = label;
    this.hasClients = hasClients;
  }

  /** The command-line name, e.g. {@code splitfed-v1}. */
  public String id() {
    return id;
  }

  /** The name in tables and plots. */
  public String label() {
    return label;
  }

  /** False for centralized training, which has no clients, no traffic and no client compute. */
  public boolean hasClients() {
    return hasClients;
  }

  /** Parses a command-line name (case-insensitive). */
  public static Method parse(String id) {
    String s = id.trim().toLowerCase(Locale.ROOT);
    for (Method m : values()) {
      if (m.id.equals(s)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown method '" + id + "'; choose from "
        + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
  }
}
