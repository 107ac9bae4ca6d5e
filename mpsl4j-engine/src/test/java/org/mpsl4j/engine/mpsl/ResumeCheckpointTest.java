package org.mpsl4j.engine.mpsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.HeadConfig;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.TokenizerSpec;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.Welcome;

/**
 * Server and client checkpoints: a round trip restores parameters and optimizer state bit for bit; a
 * leftover temporary of an interrupted write is ignored; a damaged file, a checkpoint of another
 * model and one of other run settings are refused with messages that name the file and what differs.
 */
@Timeout(60)
final class ResumeCheckpointTest {
  private static final long SEED = 5;
  private static final float LR = 1e-3f;
  private static final RandomDataset DATA = new RandomDataset(16, 3, 9);
  @TempDir static Path dir;
  /** After one epoch of 4 steps with a checkpoint every 3: server checkpoints of global steps 3 and 5. */
  private static Map<String, float[]> trainedServer;
  private static Map<String, float[]> trainedMoments;
  private static long trainedSteps;
  private static Map<String, float[]> trainedClient;
  private static Map<String, float[]> trainedClientMoments;
  private static long trainedClientSteps;
  private static String runId;

  private static ServerConfig config(int epochs) {
    return new ServerConfig(2, epochs, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10), Map.of(), null, 8)
        .withCheckpoints(dir.resolve("server"), 3);
  }

  private static MpslClient client(int i) {
    return new MpslClient(new ClientConfig("client-" + i, "", 2, SEED, 40 + i), HostileInputTest.MODEL, DATA,
        IntStream.range(8 * i, 8 * i + 8).toArray(), LR).withCheckpoints(dir.resolve("client-" + i));
  }

  @BeforeAll
  static void trainOneEpoch() throws Exception {
    try (MpslServer server = new MpslServer(config(1), HostileInputTest.MODEL, SEED);
        InProcessMpsl net = new InProcessMpsl(server);
        MpslClient a = client(0);
        MpslClient b = client(1)) {
      net.connect(a);
      net.connect(b);
      server.train(e -> {});
      net.awaitClients();
      trainedServer = FaultyCluster.parameters(server.model());
      trainedMoments = moments(server);
      trainedSteps = server.optimizerSteps();
      runId = server.runId();
      trainedClient = FaultyCluster.parameters(a.model());
      trainedClientMoments = moments(a.optimizer());
      trainedClientSteps = a.optimizer().steps();
    }
  }

  @Test
  void serverRoundTrip_restoresParametersAndOptimizerBitForBit() throws Exception {
    List<String> warnings = new ArrayList<>();
    ServerCheckpoint latest = ServerCheckpoint.latest(dir.resolve("server"), warnings);
    assertThat(CheckpointFiles.list(dir.resolve("server"), "server")).as("the newest two are kept")
        .extracting(p -> p.getFileName().toString())
        .containsExactly("server-000000000005.safetensors", "server-000000000003.safetensors");
    assertThat(latest.globalStep()).isEqualTo(5);
    assertThat(latest.nextEpoch()).isEqualTo(1);
    assertThat(latest.nextStepInEpoch()).isZero();
    assertThat(latest.runId()).isEqualTo(runId);
    try (MpslServer resumed = new MpslServer(config(1), HostileInputTest.MODEL, SEED + 1)) {
      assertThatThrownBy(() -> resumed.resumeFrom(latest)).as("another seed is another run")
          .hasMessageContaining("--seed " + SEED + " (this server: " + (SEED + 1) + ")");
    }
    try (MpslServer resumed = new MpslServer(config(1), HostileInputTest.MODEL, SEED)) {
      resumed.resumeFrom(latest);
      assertThat(FaultyCluster.maxDifference(trainedServer, FaultyCluster.parameters(resumed.model()))).isZero();
      assertThat(resumed.optimizerSteps()).isEqualTo(trainedSteps).isEqualTo(4);
      assertThat(FaultyCluster.maxDifference(trainedMoments, moments(resumed))).isZero();
      assertThat(resumed.globalStep()).isEqualTo(5);
    }
  }

  @Test
  void clientRoundTrip_aRestartedClientLoadsItsCheckpointOnWelcome() throws Exception {
    try (MpslClient restarted = client(0)) {
      restarted.onMessage(ServerMessage.newBuilder().setSessionId(9).setWelcome(Welcome.newBuilder().setEpochs(2)
          .setStepsPerEpoch(4).setCheckpointEvery(3).setResumeStep(5).setRunId(runId)).build());
      assertThat(restarted.notes()).singleElement().asString().contains("resumed from", "client-000000000005");
      assertThat(restarted.lastAppliedStep()).isEqualTo(4);
      assertThat(FaultyCluster.maxDifference(trainedClient, FaultyCluster.parameters(restarted.model()))).isZero();
      assertThat(restarted.optimizer().steps()).isEqualTo(trainedClientSteps).isEqualTo(4);
      assertThat(FaultyCluster.maxDifference(trainedClientMoments, moments(restarted.optimizer()))).isZero();
    }
    try (MpslClient otherRun = client(0)) {
      otherRun.onMessage(ServerMessage.newBuilder().setWelcome(Welcome.newBuilder().setStepsPerEpoch(4)
          .setResumeStep(5).setRunId("another-run")).build());
      assertThat(otherRun.optimizer().steps()).as("a checkpoint of another run is not used").isZero();
    }
  }

  @Test
  void leftoverTemporaryOfAnInterruptedWrite_isIgnored() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("with-temp"));
    Path newest = CheckpointFiles.list(dir.resolve("server"), "server").get(0);
    Files.copy(newest, copy.resolve(newest.getFileName()));
    Path temp = copy.resolve("server-000000000009.safetensors4711.tmp");
    Files.write(temp, new byte[] {1, 2, 3});
    ServerCheckpoint latest = ServerCheckpoint.latest(copy, new ArrayList<>());
    assertThat(latest.globalStep()).isEqualTo(5);
  }

  @Test
  void damagedFiles_areRefusedNamingTheFile_andTheOlderCheckpointIsUsed() throws Exception {
    Path copy = Files.createDirectories(dir.resolve("damaged"));
    for (Path p : CheckpointFiles.list(dir.resolve("server"), "server")) {
      Files.copy(p, copy.resolve(p.getFileName()));
    }
    Path newest = copy.resolve("server-000000000005.safetensors");
    try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
      f.seek(f.length() - 10); // a flipped byte in the last tensor's data
      int b = f.read();
      f.seek(f.length() - 10);
      f.write(b ^ 0x40);
    }
    assertThatThrownBy(() -> ServerCheckpoint.read(newest)).isInstanceOf(IOException.class)
        .hasMessageContaining(newest.toString()).hasMessageContaining("corrupt");
    List<String> warnings = new ArrayList<>();
    assertThat(ServerCheckpoint.latest(copy, warnings).globalStep()).isEqualTo(3);
    assertThat(warnings).singleElement().asString().contains(newest.toString());

    Path truncated = copy.resolve("server-000000000003.safetensors");
    byte[] bytes = Files.readAllBytes(truncated);
    Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
    assertThatThrownBy(() -> ServerCheckpoint.latest(copy, new ArrayList<>())).isInstanceOf(IOException.class)
        .hasMessageContaining("no usable server checkpoint in " + copy).hasMessageContaining(truncated.toString());
  }

  @Test
  void checkpointOfAnotherModelOrOtherSettings_isRefusedNamingBoth() throws Exception {
    ServerCheckpoint latest = ServerCheckpoint.latest(dir.resolve("server"), new ArrayList<>());
    ModelConfig wider = ModelConfig.builder().addTokenizer(TokenizerSpec.image("image", 1, 8, 8, 4))
        .addTokenizer(TokenizerSpec.text("text", 5, 30)).setEncoder(EncoderConfig.small(24, 1, 4))
        .setHead(HeadConfig.classification(3)).build();
    try (MpslServer other = new MpslServer(config(1), wider, SEED)) {
      assertThatThrownBy(() -> other.resumeFrom(latest)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(latest.file().toString())
          .hasMessageContaining(HostileInputTest.MODEL.fingerprint()).hasMessageContaining(wider.fingerprint());
    }
    try (MpslServer longer = new MpslServer(config(3), HostileInputTest.MODEL, SEED)) {
      assertThatThrownBy(() -> longer.resumeFrom(latest)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--epochs 1 (this server: 3)");
    }
  }

  @Test
  void stepClock_boundariesAreEveryKTrainingStepsAndEachEpochEnd() {
    StepClock clock = new StepClock(4, 3); // global steps: 1-4 training, 5 epoch end, 6-9 training, 10 end
    assertThat(IntStream.rangeClosed(1, 10).filter(clock::isCheckpoint).boxed().toList()).containsExactly(3, 5, 7, 10);
    assertThat(clock.lastCheckpointUpTo(4)).isEqualTo(3);
    assertThat(clock.lastCheckpointUpTo(6)).isEqualTo(5);
    assertThat(clock.lastCheckpointUpTo(2)).isZero();
    assertThat(clock.trainingStepsUpTo(10)).isEqualTo(8);
    assertThat(clock.trainingStep(1, 0)).isEqualTo(6);
    assertThat(new StepClock(4, 0).lastCheckpointUpTo(9)).isEqualTo(5);
  }

  private static Map<String, float[]> moments(MpslServer server) {
    Map<String, float[]> out = new TreeMap<>();
    server.optimizerState().forEach((k, v) -> out.put(k, v.toFloatArray()));
    return out;
  }

  private static Map<String, float[]> moments(org.mpsl4j.model.train.Adam adam) {
    Map<String, float[]> out = new TreeMap<>();
    for (String m : List.of("exp_avg", "exp_avg_sq")) {
      for (Map.Entry<String, NDArray> e : adam.state(m).entrySet()) {
        out.put(m + "." + e.getKey(), e.getValue().toFloatArray());
      }
    }
    return out;
  }
}
