package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mpsl4j.cli.InProcessCli.run;
import static org.mpsl4j.cli.InProcessCli.shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.mpsl4j.cli.InProcessCli.Run;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Your own data, end to end through the launcher's commands: a manifest over real FSDD recordings (digit = label, a
 * text column, speaker = client) is checked by {@code data check} and trained on by {@code simulate} and
 * {@code compare} with a tiny scratch encoder, one client per speaker.
 */
final class ManifestRunTest {

  private static final List<String> SPEAKERS = List.of("george", "jackson", "lucas");

  @TempDir
  Path dir;

  @Test
  @Timeout(60)
  void simulate_manifestNamingClients_trainsOneClientPerSpeaker() throws Exception {
    Path manifest = fsddManifest(2);

    Run run = run("simulate", "--dataset", "manifest:" + manifest, "--data-dir", dir.resolve("data").toString(),
        "--encoder", "scratch", "--width", "32", "--depth", "1", "--epochs", "1", "--client-batch", "4",
        "--out", dir.resolve("out").toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("48 train / 12 test, 3 clients (natural(groups=3))",
        "inputs [audio(AUDIO, [1, 40, 100]), text(TEXT, [32])]");
    Matcher epoch = Pattern.compile("epoch 1/1: (\\d+) steps, loss ([0-9.]+)").matcher(run.out());
    assertThat(epoch.find()).as(run.out()).isTrue();
    assertThat(Integer.parseInt(epoch.group(1))).isEqualTo(4); // 16 rows per client, 4 per step
    assertThat(Double.parseDouble(epoch.group(2))).isBetween(0.5, 10.0);
    assertThat(dir.resolve("out").resolve("server.safetensors")).isRegularFile();
  }

  @Test
  @Timeout(60)
  void compare_manifestNamingClients_runsTheMethodsOnTheNaturalPartition() throws Exception {
    Path manifest = fsddManifest(2);

    Run run = run("compare", "--dataset", "manifest:" + manifest, "--data-dir", dir.resolve("data").toString(),
        "--encoder", "scratch", "--width", "32", "--depth", "1", "--epochs", "1", "--client-batch", "4",
        "--methods", "mpsl,fedavg", "--out", dir.resolve("cmp").toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("3 clients (natural(groups=3))");
    assertThat(Files.readString(dir.resolve("cmp").resolve("partition.json"))).contains("natural(groups=3)");
  }

  @Test
  @Timeout(30)
  void simulate_clientsOptionDisagreeingWithTheRows_failsSayingHowMany() throws Exception {
    Path manifest = fsddManifest(2);

    Run run = run("simulate", "--dataset", "manifest:" + manifest, "--data-dir", dir.resolve("data").toString(),
        "--clients", "5", "--encoder", "scratch", "--width", "32", "--depth", "1", "--epochs", "1");

    assertThat(run.code()).isNotZero();
    assertThat(run.err()).contains("the manifest's rows name 3 clients", "set it to 3");
  }

  @Test
  @Timeout(30)
  void dataCheck_goodManifest_countsPerClassAndClientAndExitsZero() throws Exception {
    Path manifest = fsddManifest(2);

    Run run = run("data", "check", manifest.toString());

    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.out()).contains("60 readable rows", "OK: ready to train");
    assertThat(run.out()).containsPattern("george\\s+16\\s+4");
  }

  @Test
  @Timeout(30)
  void dataCheck_badRows_listsEachWithItsLineAndExitsTwo() throws Exception {
    Path manifest = fsddManifest(1);
    List<String> lines = new ArrayList<>(Files.readAllLines(manifest));
    lines.set(3, "recordings/missing.wav,hello,2,george");
    lines.set(5, lines.get(5).replace(",4,", ",,"));
    Files.write(manifest, lines);

    Run run = run("data", "check", "manifest:" + manifest);

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.out()).contains("2 problem(s):", "voice.csv:4: audio: file 'recordings/missing.wav' not found",
        "voice.csv:6: label is empty");
  }

  private Path fsddManifest(int takes) throws Exception {
    Path recordings = shared("fsdd").resolve("recordings");
    List<String> lines = new ArrayList<>(List.of("audio,text,label,client"));
    for (String speaker : SPEAKERS) {
      for (int digit = 0; digit < 10; digit++) {
        for (int take = 0; take < takes; take++) {
          Path wav = recordings.resolve(digit + "_" + speaker + "_" + take + ".wav");
          lines.add(dir.relativize(wav) + ",\"voice note " + take + " from " + speaker + "\"," + digit + ","
              + speaker);
        }
      }
    }
    return Files.write(dir.resolve("voice.csv"), lines);
  }
}
