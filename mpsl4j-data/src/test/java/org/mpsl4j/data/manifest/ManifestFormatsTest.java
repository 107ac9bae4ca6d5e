package org.mpsl4j.data.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import net.sourceforge.javaflacencoder.FLAC_FileEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;
import org.mpsl4j.data.audio.AudioDecoder;
import org.mpsl4j.data.audio.WavFile;

/** Every format the manifest reads: PNG, JPEG, SVG, WAV at another rate, FLAC, sensor CSV files and inline series. */
final class ManifestFormatsTest {

  private static final Path WAV = FsddManifest.recording(4, "lucas", 7);

  @Test
  void readMono_flacOfARealRecording_equalsTheWavSamples(@TempDir Path dir) {
    Path flac = dir.resolve("four.flac");
    assertThat(new FLAC_FileEncoder().encode(WAV.toFile(), flac.toFile())).isEqualTo(FLAC_FileEncoder.Status.FULL_ENCODE);

    // FLAC is lossless: decoding must give back every sample of the WAV exactly.
    assertThat(AudioDecoder.readMono(flac, 8000)).containsExactly(WavFile.readMono16(WAV, 8000));
  }

  @Test
  void readMono_otherRate_resampledToTheRequestedLength() {
    float[] at8k = WavFile.readMono16(WAV, 8000);

    float[] at16k = AudioDecoder.readMono(WAV, 16000);

    assertThat((double) at16k.length).isCloseTo(2.0 * at8k.length, within(4.0));
  }

  @Test
  void load_pngJpegAndSvg_squareRgbImages(@TempDir Path dir) throws Exception {
    ImageIO.write(picture(Color.RED, 40, 20), "png", dir.resolve("red.png").toFile());
    ImageIO.write(picture(Color.BLUE, 30, 30), "jpg", dir.resolve("blue.jpg").toFile());
    Files.writeString(dir.resolve("green.svg"), "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'>"
        + "<rect width='10' height='10' fill='#00ff00'/></svg>");
    Path m = dir.resolve("pics.csv");
    Files.write(m, List.of("image,label,split", "red.png,red,train", "blue.jpg,blue,train", "green.svg,green,test"));
    Files.writeString(dir.resolve("pics.config.json"), "{\"image\": {\"size\": 16, \"patch\": 4}}");

    ManifestCheck.Result r = ManifestCheck.run(m, 1);

    assertThat(r.problems()).isEmpty();
    byte[] red = r.samples().get(0).image();
    byte[] blue = r.samples().get(1).image();
    byte[] green = r.samples().get(2).image();
    int plane = 16 * 16;
    assertThat(red).hasSize(3 * plane);
    assertThat(red[0] & 0xff).isEqualTo(255);
    assertThat(red[plane] & 0xff).isZero();
    assertThat(blue[2 * plane + 5 * 16 + 5] & 0xff).isGreaterThan(240); // JPEG is lossy, blue stays blue
    assertThat(blue[5 * 16 + 5] & 0xff).isLessThan(15);
    assertThat(green[plane + 8 * 16 + 8] & 0xff).isEqualTo(255);
    DatasetSplit split = Datasets.load("manifest:" + m, dir, TestData.options().build());
    assertThat(split.train().inputs()).containsExactly(new InputSpec("image", Modality.IMAGE, new int[] {3, 16, 16}));
  }

  @Test
  void load_sensorCsvFilesOfSpSwHar_sixStandardizedChannels(@TempDir Path dir) throws Exception {
    Path data = TestData.shared("sp-sw-har").resolve("DATA").resolve("s01");
    Path m = dir.resolve("imu.csv");
    Files.write(m, List.of("sensor,label,split",
        FsddManifest.relative(dir, data.resolve("s01_01_sp.csv")) + ",phone,train",
        FsddManifest.relative(dir, data.resolve("s01_01_sw.csv")) + ",watch,train",
        FsddManifest.relative(dir, data.resolve("s01_02_sp.csv")) + ",phone,test"));

    DatasetSplit split = Datasets.load("manifest:" + m, dir, TestData.options().build());

    // x/y/z acc and gyro; timestamp and label are not channels.
    assertThat(split.train().inputs()).containsExactly(new InputSpec("sensor", Modality.SENSOR, new int[] {6, 50}));
    float[] v = split.train().batch(new int[] {0, 1}).input("sensor").floats();
    double mean = 0;
    for (int i = 0; i < 50; i++) {
      mean += v[i] + v[6 * 50 + i]; // channel 0 of both training rows
    }
    assertThat(mean / 100).isCloseTo(0, within(1e-4));
  }

  @Test
  void load_inlineSensorSeriesInJsonLines_shortSeriesHoldTheirLastValue(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("inline.jsonl");
    Files.write(m, List.of("{\"sensor\": [[1, 10], [2, 20], [3, 30]], \"label\": \"up\", \"split\": \"train\"}",
        "{\"sensor\": \"3,30;2,20;1,10\", \"label\": \"down\", \"split\": \"test\"}"));
    Files.writeString(dir.resolve("inline.config.json"), "{\"sensor\": {\"window\": 4, \"patch\": 2}}");

    ManifestCheck.Result r = ManifestCheck.run(m, 1);

    assertThat(r.problems()).isEmpty();
    assertThat(r.sensorChannels()).isEqualTo(2);
    assertThat(r.samples().get(0).sensor()).containsExactly(1, 2, 3, 3, 10, 20, 30, 30);
    assertThat(r.samples().get(1).sensor()).containsExactly(3, 2, 1, 1, 30, 20, 10, 10);
  }

  @Test
  void load_optionalSensorMissing_rowSitsAtTheTrainingMeans(@TempDir Path dir) throws Exception {
    Path m = dir.resolve("gaps.jsonl");
    Files.write(m, List.of("{\"sensor\": \"1;3\", \"label\": \"a\", \"split\": \"train\"}",
        "{\"sensor\": \"5;7\", \"label\": \"b\", \"split\": \"train\"}",
        "{\"label\": \"a\", \"split\": \"train\"}",
        "{\"sensor\": \"2;2\", \"label\": \"b\", \"split\": \"test\"}"));
    Files.writeString(dir.resolve("gaps.config.json"),
        "{\"sensor\": {\"window\": 2, \"patch\": 1, \"optional\": true}}");

    DatasetSplit split = Datasets.load("manifest:" + m, dir, TestData.options().build());

    // Training values 1, 3, 5, 7: mean 4, std sqrt(5).
    assertThat(split.train().batch(new int[] {0, 2}).input("sensor").floats())
        .containsExactly(new float[] {(float) (-3 / Math.sqrt(5)), (float) (-1 / Math.sqrt(5)), 0, 0},
            within(1e-6f));
  }

  private static BufferedImage picture(Color color, int w, int h) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, w, h);
    g.dispose();
    return img;
  }
}
