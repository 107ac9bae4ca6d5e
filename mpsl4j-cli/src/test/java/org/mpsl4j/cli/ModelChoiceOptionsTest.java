package org.mpsl4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mpsl4j.cli.InProcessCli.run;
import static org.mpsl4j.cli.InProcessCli.shared;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mpsl4j.cli.InProcessCli.Run;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --task}, {@code --fusion}, {@code --pooling} and {@code --contrastive-loss} as every command reads
 * them: a combination that cannot be built is a usage error (exit 2) naming the fix, before any data is
 * loaded; retrieval runs end to end on a manifest of paired audio and text (FSDD from shared/datasets).
 */
final class ModelChoiceOptionsTest {
  @TempDir
  Path dir;

  @Test
  @Timeout(30)
  void retrievalWithEarlyFusion_isRefusedNamingTheFix() {
    for (List<String> command : List.of(List.of("simulate"), List.of("compare"), List.of("server"),
        List.of("client", "--index", "0"))) {
      List<String> args = new ArrayList<>(command);
      args.addAll(List.of("--task", "retrieval", "--fusion", "early", "--data-dir", dir.toString()));
      Run run = run(args.toArray(String[]::new));
      assertThat(run.code()).as(command + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(command.get(0)).contains("--task retrieval embeds each modality on its own", "use --fusion late");
    }
  }

  @Test
  @Timeout(30)
  void serverSideLossWithoutRetrieval_isRefused() {
    Run run = run("simulate", "--contrastive-loss", "server", "--data-dir", dir.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--contrastive-loss server needs --task retrieval");
  }

  @Test
  @Timeout(30)
  void unknownChoice_listsTheValues() {
    Run run = run("simulate", "--pooling", "max", "--data-dir", dir.toString());
    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("--pooling 'max' is not one of [cls, mean]");
  }

  @Test
  @Timeout(60)
  void retrievalOnOneModality_isRefusedNamingTheInputs() throws Exception {
    Path manifest = fsddManifest(false);
    Run run = run("simulate", "--task", "retrieval", "--dataset", "manifest:" + manifest, "--data-dir",
        dir.resolve("data").toString(), "--encoder", "scratch", "--width", "32", "--depth", "1");
    assertThat(run.code()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).contains("pairs two modalities", "[audio]");
  }

  @Test
  @Timeout(120)
  void simulate_retrievalOnPairedAudioAndText_reportsRecall() throws Exception {
    Path manifest = fsddManifest(true);
    Run run = run("simulate", "--task", "retrieval", "--pooling", "mean", "--contrastive-loss", "server", "--dataset",
        "manifest:" + manifest, "--data-dir", dir.resolve("data").toString(), "--encoder", "scratch", "--width", "32",
        "--depth", "1", "--epochs", "1", "--client-batch", "4", "--out", dir.resolve("out").toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("retrieval on the test split: R@1/5/10", "(12 pairs)");
  }

  /** 60 FSDD recordings of 3 speakers (the clients), with a text column when {@code withText}. */
  private Path fsddManifest(boolean withText) throws Exception {
    Path recordings = shared("fsdd").resolve("recordings");
    List<String> lines = new ArrayList<>(List.of(withText ? "audio,text,label,client" : "audio,label,client"));
    for (String speaker : List.of("george", "jackson", "lucas")) {
      for (int digit = 0; digit < 10; digit++) {
        for (int take = 0; take < 2; take++) {
          Path wav = recordings.resolve(digit + "_" + speaker + "_" + take + ".wav");
          lines.add(dir.relativize(wav) + (withText ? ",\"digit " + digit + " take " + take + " by " + speaker + "\"" : "")
              + "," + digit + "," + speaker);
        }
      }
    }
    return Files.write(dir.resolve("voice.csv"), lines);
  }
}
