package org.mpsl4j.data.openclipart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mpsl4j.data.Batch;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.Datasets;
import org.mpsl4j.data.InputBatch;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.TestData;
import org.mpsl4j.data.text.MiniLmTokenizer;

/** OpenClipart from the real Debian package: classes, split, rendering, text masking, corrupt files. */
final class OpenClipartLoaderTest {

  private static Path dir;
  private static DataOptions options;
  private static DatasetSplit split;

  @BeforeAll
  static void load() {
    dir = TestData.openclipartDir();
    options = TestData.options().optOpenclipartDir(dir).optMaxSamplesPerSplit(40).build();
    split = Datasets.load("openclipart", TestData.dataDir(), options);
  }

  @Test
  void categories_twentyTwoFolders() {
    assertThat(OpenClipartSource.categories(dir)).hasSize(22).startsWith("animals", "buildings").contains(
        "signs_and_symbols").endsWith("unsorted");
  }

  @Test
  void load_imageAndTextInputs_withDocumentedShapes() {
    assertThat(split.train().inputs()).extracting(s -> s.modality()).containsExactly(Modality.IMAGE, Modality.TEXT);
    int n = split.train().size();
    Batch b = split.train().batch(IntStream.range(0, n).toArray());
    assertThat(b.input("image").shape()).containsExactly(n, 3, 64, 64);
    InputBatch text = b.input("text");
    assertThat(text.shape()).containsExactly(n, 32);
    assertThat(text.floats()).isNull();
    // Every text starts with [CLS] and has it unmasked.
    for (int i = 0; i < n; i++) {
      assertThat(text.ids()[i * 32]).isEqualTo(101);
      assertThat(text.attentionMask()[i * 32]).isEqualTo(1);
    }
    assertThat(split.train().classNames()).hasSize(22);
    // At most one of the 80 sampled files may be unreadable (0.7% of the package is).
    assertThat(n).isBetween(39, 40);
  }

  @Test
  void render_notBlank_whiteBackgroundWithDrawing() {
    float[] image = split.test().batch(new int[] {0}).input("image").floats();
    Set<Float> distinct = new HashSet<>();
    for (float v : image) {
      distinct.add(v);
    }
    assertThat(distinct.size()).isGreaterThan(2);
  }

  @Test
  void split_stratified_disjointAndCoversEveryFile() {
    List<String> classes = OpenClipartSource.categories(dir);
    var byClass = OpenClipartSource.listByClass(dir, classes);
    OpenClipartSource.Split s = OpenClipartSource.stratifiedSplit(byClass, 2024);

    Set<Path> train = new HashSet<>();
    s.train().forEach(i -> train.add(i.file()));
    Set<Path> test = new HashSet<>();
    s.test().forEach(i -> test.add(i.file()));
    assertThat(train).doesNotContainAnyElementsOf(test);
    int total = byClass.stream().mapToInt(List::size).sum();
    assertThat(total).isEqualTo(7458);
    assertThat(train.size() + test.size()).isEqualTo(total);
    // Every class with at least two files has at least one test file; test is about 20% of each class.
    for (int k = 0; k < classes.size(); k++) {
      int kk = k;
      long n = byClass.get(k).size();
      long nTest = s.test().stream().filter(i -> i.label() == kk).count();
      if (n >= 2) {
        assertThat(nTest).as(classes.get(k)).isBetween(1L, Math.max(1L, Math.round(0.2 * n)));
      }
    }
  }

  @Test
  void split_sameSeedSame_otherSeedDiffers() {
    var byClass = OpenClipartSource.listByClass(dir, OpenClipartSource.categories(dir));
    assertThat(OpenClipartSource.stratifiedSplit(byClass, 1).test())
        .isEqualTo(OpenClipartSource.stratifiedSplit(byClass, 1).test())
        .isNotEqualTo(OpenClipartSource.stratifiedSplit(byClass, 2).test());
  }

  @Test
  void text_wordsNamingTheClass_masked() {
    // The test split is small; collect the token ids of each sample and check its own category words are absent.
    List<String> classes = split.test().classNames();
    Batch b = split.test().batch(IntStream.range(0, split.test().size()).toArray());
    long[] ids = b.input("text").ids();
    try (MiniLmTokenizer tokenizer = MiniLmTokenizer.create(32)) {
      var spec = split.test().inputs().get(1);
      for (int i = 0; i < b.size(); i++) {
        String category = classes.get(b.labels()[i]);
        for (String word : new LabelMasker(category).maskedWords()) {
          long[] wordIds = tokenizer.encode(spec, List.of(word)).ids();
          if (wordIds[2] != 102) {
            continue; // the word is several word pieces; a single id cannot identify it
          }
          for (int t = 0; t < 32; t++) {
            assertThat(ids[i * 32 + t]).as("sample %d of %s holds '%s'", i, category, word).isNotEqualTo(wordIds[1]);
          }
        }
      }
    }
  }

  @Test
  void load_unreadableSvgs_reportedByNameSkippedAndCounted(@TempDir Path tmp) throws Exception {
    Path animals = Files.createDirectories(tmp.resolve("svg").resolve("animals"));
    Path tools = Files.createDirectories(tmp.resolve("svg").resolve("tools"));
    Files.copy(dir.resolve("animals").resolve("bat_orlando_karam_.svg"), animals.resolve("bat.svg"));
    Files.copy(dir.resolve("animals").resolve("armadillo_architetto_fra_01.svg"), animals.resolve("armadillo.svg"));
    Files.copy(dir.resolve("tools").resolve(firstSvg(dir.resolve("tools"))), tools.resolve("tool.svg"));
    Files.copy(dir.resolve("tools").resolve(firstSvg(dir.resolve("tools"))), tools.resolve("tool2.svg"));
    Files.writeString(animals.resolve("garbage.svg"), "this is not xml");
    byte[] bat = Files.readAllBytes(animals.resolve("bat.svg"));
    Files.write(tools.resolve("truncated.svg"), java.util.Arrays.copyOf(bat, bat.length / 2));
    TestData.Capture log = TestData.capture();

    DatasetSplit s = Datasets.load("openclipart", tmp, TestData.options().optOpenclipartDir(tmp.resolve("svg"))
        .optLog(log.stream()).build());

    assertThat(s.train().size() + s.test().size()).isEqualTo(4);
    assertThat(log.text()).contains("skipped 2 unreadable file(s)").contains("garbage.svg: unreadable SVG")
        .contains("truncated.svg: unreadable SVG");
  }

  private static String firstSvg(Path folder) throws Exception {
    try (var files = Files.list(folder)) {
      return files.filter(p -> p.toString().endsWith(".svg") && Files.isRegularFile(p,
          java.nio.file.LinkOption.NOFOLLOW_LINKS)).map(p -> p.getFileName().toString()).sorted().findFirst()
          .orElseThrow();
    }
  }
}
