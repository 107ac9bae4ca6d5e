package org.mpsl4j.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The one-table Markdown report of a comparison, with the command and settings that produced it. */
public final class MarkdownReport {
  private MarkdownReport() {}

  public static String table(List<Summary> rows) {
    return table(rows, "test acc");
  }

  /** @param metric the name of the score column (e.g. {@code mean R@1} for retrieval) */
  public static String table(List<Summary> rows, String metric) {
    StringBuilder b = new StringBuilder();
    b.append("| method | final " + metric + " | best " + metric + " | missed client replies | client MACs/sample (fwd+bwd) "
        + "| FedAvg ÷ method | KiB up/client/epoch | KiB down/client/epoch | server state | wall time |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Summary s : rows) {
      boolean clients = s.method().hasClients();
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f s |%n",
          s.label(), score(s, s.finalAccuracy()), score(s, s.bestAccuracy()),
          clients ? String.valueOf(s.missedReplies()) : "–",
          clients ? String.format(Locale.ROOT, "%,d", s.clientTrainingMacs()) : "n/a (no clients)",
          s.fedAvgMacRatio().map(r -> String.format(Locale.ROOT, "%.1f×", r)).orElse("–"),
          clients ? String.format(Locale.ROOT, "%,.1f", s.bytesUpPerClientPerEpoch() / 1024) : "0",
          clients ? String.format(Locale.ROOT, "%,.1f", s.bytesDownPerClientPerEpoch() / 1024) : "0",
          mib(s.serverStateBytes()), s.wallSeconds()));
    }
    for (Summary s : rows) {
      if (s.failure() != null) {
        b.append("\n**").append(s.label()).append(" did not train:** ").append(s.failure()).append('\n');
      }
    }
    return b.toString();
  }

  /** A trained method's score in percent; a method that did not train has none (not its initial model's). */
  private static String score(Summary s, double value) {
    return s.failure() != null ? "not trained" : String.format(Locale.ROOT, "%.2f %%", 100 * value);
  }

  public static void write(Path file, String title, String command, List<String> settings, List<Summary> rows,
      List<String> plots) throws IOException {
    write(file, title, command, settings, rows, plots, "");
  }

  /** @param extra a further Markdown section after the summary (e.g. the codec trade-off), or "" */
  public static void write(Path file, String title, String command, List<String> settings, List<Summary> rows,
      List<String> plots, String extra) throws IOException {
    write(file, title, command, settings, rows, plots, extra, "test acc");
  }

  /** @param metric the name of the score column ({@code mean R@1} for retrieval: both directions' Recall@1) */
  public static void write(Path file, String title, String command, List<String> settings, List<Summary> rows,
      List<String> plots, String extra, String metric) throws IOException {
    StringBuilder b = new StringBuilder("# ").append(title).append("\n\n");
    b.append("Command: `").append(command).append("`\n\n");
    for (String s : settings) {
      b.append("- ").append(s).append('\n');
    }
    b.append('\n').append(table(rows, metric)).append('\n');
    b.append("""
        Columns: test accuracy of each method's global model on the test split; client MACs per sample of one
        training step's forward and backward on what a client runs (only matrix products and convolutions count);
        bytes are serialized protocol messages per client per epoch, mean over clients and epochs; server state is
        the parameter and optimizer tensors the server keeps between rounds (transient buffers excluded); wall time
        includes set-up and per-epoch evaluation. Bytes count training traffic only: MPSL's include its epoch-end
        tokenizer upload for the global model, not its personalized evaluation (which the server counts apart);
        the baselines evaluate on the server and send nothing for it. Train loss is what the clients reported over
        the wire (federated methods: each model update's sample-weighted loss). Missed client replies: replies that
        missed their deadline (--deadline-s per mini-batch step; a federated round gets one per step of its largest
        client's local epoch) or were refused, over all epochs: FedAvg and FedCLIP one model update per client and
        round; split baselines each step's replies and each round's client-part upload; MPSL client-steps dropped.
        A method in which a round trained nothing is reported as not trained, never with its initial model's score.
        """);
    b.append('\n').append(extra);
    for (String p : plots) {
      b.append("![").append(p).append("](").append(p).append(")\n");
    }
    Files.writeString(file, b);
  }

  private static String mib(long bytes) {
    return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / 1048576.0)
        : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
  }
}
