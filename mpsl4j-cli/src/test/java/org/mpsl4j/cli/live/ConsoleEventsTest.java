package org.mpsl4j.cli.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.engine.mpsl.ServerObserver;

final class ConsoleEventsTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final long[] clock = {0};
  private final ConsoleEvents console = new ConsoleEvents(new PrintStream(bytes, true, StandardCharsets.UTF_8),
      () -> clock[0]);

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void joinDropRejoin_eachOneLineWithTheReason() {
    console.joined("client-1", false);
    console.left("client-1", "connection lost (UNAVAILABLE: io exception)");
    console.joined("client-1", true);

    assertThat(lines()).containsExactly("mpsl4j server: client-1 joined",
        "mpsl4j server: client-1 dropped: connection lost (UNAVAILABLE: io exception)",
        "mpsl4j server: client-1 rejoined");
  }

  @Test
  void refusals_nameTheClientOrTheConnection_andTheReason() {
    console.rejected("client-2", "BAD_HELLO", "model fingerprint differs");
    console.rejected("", "TLS", "TLS handshake refused");

    assertThat(lines()).containsExactly("mpsl4j server: refused client-2: BAD_HELLO: model fingerprint differs",
        "mpsl4j server: refused a connection: TLS: TLS handshake refused");
  }

  @Test
  void missedStep_namesTheClientAndTheStep() {
    console.stepDone(new ServerObserver.StepReport(0, 4, 10, 5, 0.2, List.of("client-0"), List.of("client-1"), 5, 1.0,
        0.5));

    assertThat(lines()).containsExactly("mpsl4j server: client-1 missed step 5 (epoch 1, step 5): no usable reply in"
        + " time");
  }

  @Test
  void aFloodOfRefusals_isCappedPerMinute_andSummedUpWhenTheNextMinuteBegins() {
    for (int i = 0; i < 1000; i++) {
      console.rejected("client-9", "MALFORMED_TENSOR", "NaN in activations");
    }
    assertThat(lines()).hasSize(ConsoleEvents.LINES_PER_MINUTE);

    clock[0] += 61_000_000_000L;
    console.rejected("client-9", "STALE_STEP", "old step");

    assertThat(lines()).hasSize(ConsoleEvents.LINES_PER_MINUTE + 2);
    assertThat(lines().get(ConsoleEvents.LINES_PER_MINUTE)).contains("970 more not shown", "MALFORMED_TENSOR=970");
  }

  @Test
  void sessionsEndingAfterTraining_areNotDrops() {
    console.trainingDone();
    console.left("client-0", "the client closed its stream");

    assertThat(lines()).isEmpty();
  }
}
