package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a new user types wrong: each mistake is one line on stderr that names the option, and exit code 2, before any
 * data is loaded or any connection is tried (the timeouts hold each case to a few seconds).
 */
final class BadInputTest {

  @Test
  @Timeout(20)
  void client_unresolvableServer_failsAtOnceNamingTheHost() {
    String err = run("client", "--index", "0", "--server", "nosuchhost.invalid:50051");
    assertThat(err).contains("'nosuchhost.invalid' does not resolve").doesNotContain("Exception");
    assertThat(err.lines().count()).isEqualTo(1);
  }

  @Test
  @Timeout(10)
  void client_malformedServer_namesTheValue() {
    assertThat(run("client", "--index", "0", "--server", "localhost")).contains("--server must be host:port");
    assertThat(run("client", "--index", "0", "--server", "localhost:http")).contains("port must be a number");
  }

  @Test
  @Timeout(10)
  void client_negativeEpochs_isRefused() {
    assertThat(run("client", "--index", "0", "--server", "localhost:50051", "--epochs", "-1"))
        .contains("--epochs must be >= 1 but was -1");
  }

  /** Refused before the client loads its data (the data folder named here does not exist). */
  @Test
  @Timeout(10)
  void client_ownDataWithProportionalBatches_isRefusedBeforeLoadingData() {
    assertThat(run("client", "--index", "0", "--server", "localhost:50051", "--own-data", "--client-batches",
        "proportional", "--data-dir", "target/no-such-data-dir"))
        .contains("--client-batches proportional needs every client's share; a client on its own data (--own-data)"
            + " takes spread or equal batches");
  }

  @Test
  @Timeout(10)
  void server_zeroClientBatch_isRefusedBeforeWaitingForClients() {
    assertThat(run("server", "--client-batch", "0")).contains("--client-batch must be >= 1 but was 0");
  }

  @Test
  @Timeout(10)
  void server_checkpointsWithoutStateTheRunNeeds_areRefusedBeforeWaitingForClients() {
    assertThat(run("server", "--checkpoint-dir", "ckpt", "--client-adversary", "1"))
        .contains("server checkpoints do not hold the client adversary", "--checkpoint-dir");
  }

  @Test
  @Timeout(10)
  void scaling_zeroDeadline_isRefusedBeforeAnyMethodRuns() {
    assertThat(run("scaling", "--deadline-s", "0", "--methods", "mpsl,fedavg"))
        .contains("--deadline-s must be at least 1 but was 0");
  }

  @Test
  @Timeout(10)
  void simulate_negativeSamples_namesTheOptionNotAnInternalField() {
    String err = run("simulate", "--samples", "-5");
    assertThat(err).contains("--samples must be >= 0 (0 = all) but was -5").doesNotContain("maxSamplesPerSplit");
    assertThat(err).contains("mpsl4j simulate --help").doesNotContain("Usage:");
  }

  @Test
  @Timeout(10)
  void simulate_negativeServerChunk_isRefusedBeforeLoadingData() {
    assertThat(run("simulate", "--server-chunk", "-1")).contains("--server-chunk must be >= 0 (0 = one pass) but was -1");
  }

  @Test
  @Timeout(10)
  void simulate_secAggThresholdAboveClients_isRefusedBeforeLoadingData() {
    assertThat(run("simulate", "--clients", "4", "--secure-aggregation", "--secagg-threshold", "5"))
        .contains("--secagg-threshold must be at most --clients (4) but was 5");
    assertThat(run("simulate", "--secure-aggregation", "--secagg-threshold", "-1"))
        .contains("--secagg-threshold must be >= 0 (0 = the default) but was -1");
  }

  @Test
  @Timeout(10)
  void secureAggregation_withTheDefaultSharedTokenizer_isRefusedNamingBothWaysOut() {
    for (String command : new String[] {"simulate", "server"}) {
      assertThat(run(command, "--secure-aggregation"))
          .contains("with --tokenizer-sync gradients (the default) there is none")
          .contains("Use --private-average").contains("--tokenizer-sync epoch|never");
    }
  }

  @Test
  @Timeout(10)
  void simulate_sharedTables_unknownValueOrRowsWithThePrivateAverage_isRefusedBeforeLoadingData() {
    assertThat(run("simulate", "--tokenizer-sync", "gradients", "--shared-tables", "some"))
        .contains("--shared-tables 'some' is not one of rows, dense-adam, frozen, auto");
    assertThat(run("simulate", "--tokenizer-sync", "gradients", "--shared-tables", "rows", "--private-average",
        "--client-seed", "7")).contains("--shared-tables rows cannot go with --private-average");
  }

  /** Runs a command that must fail with exit code 2 and returns what it printed on stderr. */
  private static String run(String... args) {
    PrintStream saved = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      assertThat(Main.commandLine().execute(args)).isEqualTo(2);
    } finally {
      System.setErr(saved);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
