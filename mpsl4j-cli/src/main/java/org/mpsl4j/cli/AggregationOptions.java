package org.mpsl4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How the clients' tokenizers (or their gradients) are summed when the server must not read them: secure aggregation
 * of the epoch-end average, or the private average whose sum only the clients can decode. A mixin of
 * {@link ExperimentOptions}: server and clients take the same values.
 */
final class AggregationOptions {
  @Option(names = "--secure-aggregation", description = "MPSL: the epoch-end average of the clients' tokenizers (and"
      + " client heads) by double masking (pairwise and self masks, Shamir-shared secrets: --secagg-threshold), so the"
      + " server learns only the sample-weighted sum (engine.secagg,"
      + " docs/PRIVACY.md). On the server (and simulate) it runs the protocol; on a client it refuses to upload its"
      + " tokenizers in the clear.")
  boolean secureAggregation;

  @Option(names = "--private-average", description = "MPSL: secure aggregation (implied) whose sum only the clients can"
      + " decode: each client's share also carries a pad from the secret the clients share (--client-seed, needed on"
      + " every client), the server sends the padded sum back, and it holds neither any client's tokenizer nor their"
      + " average (so a server reports no global test accuracy). On a client it refuses every average the server"
      + " could read. With --tokenizer-sync gradients the one shared tokenizer stays on the clients: each step's"
      + " tokenizer gradients go up padded the same way and every client applies their sum itself (no server"
      + " checkpoints, no late joiners; docs/PRIVACY.md).")
  boolean privateAverage;

  @Option(names = "--secagg-threshold", defaultValue = "0", description = "MPSL, with --secure-aggregation or"
      + " --private-average: Shamir's threshold t of double masking, the survivors' shares that rebuild a client's"
      + " mask secrets; it must exceed half a round's parties and not exceed them (0: floor(2n/3) + 1 of each round's"
      + " n parties, which with 3 clients survives no dropout) (default: ${DEFAULT-VALUE}).")
  int secAggThreshold;

  /**
   * @param clients the run's --clients
   * @param sharedGradients whether --tokenizer-sync is gradients (one shared tokenizer trained by FedSGD)
   * @throws IllegalArgumentException naming the option and what it must be
   */
  void validate(int clients, boolean sharedGradients) {
    ExperimentOptions.atLeast("--secagg-threshold", secAggThreshold, 0, " (0 = the default)");
    if (secAggThreshold > clients) {
      // Shamir needs t shares from t survivors: a round of --clients parties could never rebuild a secret.
      throw new IllegalArgumentException("--secagg-threshold must be at most --clients (" + clients + ") but was "
          + secAggThreshold);
    }
    if (secureAggregation && !privateAverage && sharedGradients) { // server and clients take the same flags
      throw new IllegalArgumentException("--secure-aggregation protects the epoch-end average of per-client tokenizers,"
          + " and with --tokenizer-sync gradients (the default) there is none: each step's tokenizer gradients would go"
          + " up in the clear. Use --private-average (the shared tokenizer's gradients go up padded; needs"
          + " --client-seed on the clients) or --tokenizer-sync epoch|never (per-client tokenizers, averaged securely)");
    }
  }

  /** Turns the chosen aggregation on in {@code server}; a combination it refuses is a usage error of {@code cli}. */
  void configure(org.mpsl4j.engine.mpsl.MpslServer server, CommandLine cli) {
    if (secAggThreshold != 0 && !(secureAggregation || privateAverage)) {
      throw new CommandLine.ParameterException(cli,
          "--secagg-threshold needs --secure-aggregation or --private-average");
    }
    if (secureAggregation || privateAverage) {
      try {
        if (secAggThreshold != 0) {
          server.withSecAggThreshold(secAggThreshold);
        }
        if (privateAverage) {
          server.withPrivateAverage();
        } else {
          server.withSecureAggregation();
        }
      } catch (IllegalStateException | IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cli, e.getMessage());
      }
    }
  }
}
