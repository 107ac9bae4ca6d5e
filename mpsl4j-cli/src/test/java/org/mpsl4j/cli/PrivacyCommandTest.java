package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code mpsl4j privacy} under the defaults (one shared tokenizer trained by FedSGD): the server holds that tokenizer in
 * the plain configuration and inverts every training image exactly, so the private configuration keeps the tokenizer
 * on the clients ({@code --private-average} implied), and the same least-squares attack then rebuilds no image and
 * scores within 1 dB of a blank guess.
 */
final class PrivacyCommandTest {
  private static final Path OUT = Path.of("target", "privacy-command");

  @Test
  @Timeout(240)
  void defaults_plainLeaksEveryImage_privateImpliesThePrivateAverageAndRebuildsNone() throws Exception {
    InProcessCli.Run run = InProcessCli.run("privacy", "--dataset", "mnist", "--data-dir", "target/test-data",
        "--samples", "300", "--encoder", "scratch", "--width", "64", "--depth", "1", "--epochs", "1", "--clients", "3",
        "--configs", "plain,private", "--out", OUT.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("private: --private-average implied");
    JsonNode reports = new ObjectMapper().readTree(OUT.resolve("results.json").toFile()).get("reports");
    JsonNode plain = reports.get(0);
    JsonNode privately = reports.get(1);
    assertThat(plain.get("configuration").asText()).isEqualTo("plain");
    assertThat(plain.get("exactInputs").asDouble()).as("plain: share of images rebuilt exactly").isEqualTo(1.0);
    assertThat(privately.get("configuration").asText()).isEqualTo("private");
    assertThat(privately.get("exactInputs").asDouble()).as("private: share of images rebuilt exactly").isZero();
    assertThat(privately.get("psnr").asDouble()).as("private: least-squares PSNR, dB")
        .isLessThan(privately.get("psnrBlank").asDouble() + 1.0);
  }
}
