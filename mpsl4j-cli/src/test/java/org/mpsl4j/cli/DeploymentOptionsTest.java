package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.engine.grpc.Certificates;

/** {@code mpsl4j certs}, the tokens file, and TLS options that do not fit together: fast checks, no training. */
final class DeploymentOptionsTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(30)
  void certs_writesACaServerAndClientCertificates_andReusesTheCa() throws Exception {
    assertThat(Main.commandLine().execute("certs", "--out", dir.toString(), "--clients", "2", "--tokens")).isZero();
    X509Certificate ca = Certificates.readCertificate(dir.resolve("ca.crt"));
    for (String name : new String[] {"server", "client-0", "client-1"}) {
      Certificates.readCertificate(dir.resolve(name + ".crt")).verify(ca.getPublicKey());
      assertThat(Certificates.readKey(dir.resolve(name + ".key"))).isNotNull();
    }
    // A HashSet: its order (and toString) changes from one JVM to the next, so compare as a set.
    assertThat(Files.getPosixFilePermissions(dir.resolve("client-0.key")))
        .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    Map<String, String> tokens = ServerCommand.readTokens(dir.resolve("tokens.txt"));
    assertThat(tokens).containsOnlyKeys("client-0", "client-1");
    assertThat(tokens.get("client-0")).hasSize(32).isNotEqualTo(tokens.get("client-1"));

    byte[] caBefore = Files.readAllBytes(dir.resolve("ca.crt"));
    assertThat(Main.commandLine().execute("certs", "--out", dir.toString(), "--clients", "3")).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca.crt"))).isEqualTo(caBefore);
    Certificates.readCertificate(dir.resolve("client-2.crt")).verify(ca.getPublicKey());
  }

  @Test
  @Timeout(10)
  void tokensFile_skipsCommentsAndRefusesMalformedOrRepeatedLines() throws Exception {
    Path ok = Files.writeString(dir.resolve("ok.txt"), "# id token\n\nclient-0 abc\n  client-1   def  \n");
    assertThat(ServerCommand.readTokens(ok)).containsExactly(Map.entry("client-0", "abc"), Map.entry("client-1", "def"));
    Path bad = Files.writeString(dir.resolve("bad.txt"), "client-0 abc\nclient-1\n");
    assertThatThrownBy(() -> ServerCommand.readTokens(bad)).hasMessageContaining("line 2");
    Path twice = Files.writeString(dir.resolve("twice.txt"), "client-0 abc\nclient-0 def\n");
    assertThatThrownBy(() -> ServerCommand.readTokens(twice)).hasMessageContaining("line 2");
  }

  @Test
  @Timeout(10)
  void tlsOptionsThatDoNotFit_failBeforeAnyDataIsLoaded() {
    assertThat(run("server", "--tls-key", dir.resolve("server.key").toString())).contains("--tls-cert and --tls-key go together");
    assertThat(run("server", "--tls-client-ca", "ca.crt")).contains("--tls-client-ca needs --tls-cert and --tls-key");
    assertThat(run("client", "--index", "0", "--tls-cert", "c.crt", "--tls-key", "c.key")).contains("need --tls-ca");
    assertThat(run("client", "--index", "0", "--tls-ca", dir.resolve("missing.crt").toString()))
        .contains("the CA file", "does not exist");
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
