package org.mpsl4j.data.openclipart;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.mpsl4j.data.ArrayDataset;
import org.mpsl4j.data.Column;
import org.mpsl4j.data.CorruptDataException;
import org.mpsl4j.data.DataOptions;
import org.mpsl4j.data.PrepareProgress;
import org.mpsl4j.data.DataUnavailableException;
import org.mpsl4j.data.DatasetSource;
import org.mpsl4j.data.DatasetSplit;
import org.mpsl4j.data.InputSpec;
import org.mpsl4j.data.Modality;
import org.mpsl4j.data.cache.Fingerprint;
import org.mpsl4j.data.source.DebianPackage;
import org.mpsl4j.data.text.MiniLmTokenizer;
import org.mpsl4j.data.image.PixelStats;

/**
 * OpenClipart 0.18 (public domain clip art, Debian package {@code openclipart-svg}): image + text classification into
 * the 22 top-level category folders.
 *
 * <p>Samples are the regular {@code .svg} files anywhere under a category folder (7,458 in the package; the 663
 * symbolic links, which repeat files listed elsewhere, are not followed). Inputs: {@code "image"}, the SVG rendered by
 * {@link SvgRenderer} to RGB {@code [3, s, s]} (s = 64 unless set), normalized by the mean and std of all training
 * pixel values; {@code "text"}, the SVG's title and keywords ({@link SvgMetadata}) as "title. kw1, kw2, ...", with
 * words naming the category masked ({@link LabelMasker}), tokenized by {@link MiniLmTokenizer} to
 * {@code textMaxLength} ids. Split: stratified and seeded, 20% of each class (at least one file where a class has two
 * or more) to test. SVGs that Batik cannot render are reported, skipped and counted.
 */
public final class OpenClipartSource implements DatasetSource {

  /** Default image side. */
  public static final int DEFAULT_SIZE = 64;
  /** Fraction of each class put in the test split. */
  public static final double TEST_FRACTION = 0.2;

  /** The Debian package and the folder in it that holds the category folders. */
  public static final DebianPackage PACKAGE =
      new DebianPackage("openclipart-svg", "usr/share/openclipart/svg", "public domain");

  static final String HOW_TO_GET = "Run 'mpsl4j data prepare openclipart' (needs apt-get and dpkg-deb), or download"
      + " openclipart-svg_*.deb from https://packages.debian.org/openclipart-svg, run 'dpkg-deb -x <file>.deb <dir>'"
      + " and pass --openclipart-dir <dir>/usr/share/openclipart/svg.";

  @Override
  public String name() {
    return "openclipart";
  }

  @Override
  public String description() {
    return "OpenClipart SVGs rendered + title/keyword text (image [3,64,64] + text [32] token ids), 7,458 files,"
        + " 22 categories; Debian openclipart-svg; public domain";
  }

  /** The folder of category folders: the option if set, else {@code dataDir/openclipart}. */
  public static Path dir(Path dataDir, DataOptions options) {
    return options.openclipartDir() != null ? options.openclipartDir() : dataDir.resolve("openclipart");
  }

  @Override
  public void prepare(Path dataDir, DataOptions options, PrintStream log) {
    Path dir = dir(dataDir, options);
    if (options.openclipartDir() == null && !Files.isDirectory(dir)) {
      PACKAGE.fetch(dir, log);
    } else {
      log.println("openclipart: using the SVG category folders in " + dir.toAbsolutePath());
    }
    log.println("openclipart: " + categories(dir).size() + " categories");
  }

  @Override
  public String fingerprint(Path dataDir, DataOptions options) {
    Path dir = dir(dataDir, options);
    if (options.openclipartDir() == null && !Files.isDirectory(dir)) {
      prepare(dataDir, options, options.log());
    }
    categories(dir);
    return Fingerprint.ofTree(dir);
  }

  /** Sorted names of the category folders under {@code dir}. */
  public static List<String> categories(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DataUnavailableException("openclipart: folder " + dir.toAbsolutePath() + " does not exist. "
          + HOW_TO_GET);
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, Files::isDirectory)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (names.isEmpty()) {
      throw new DataUnavailableException("openclipart: " + dir.toAbsolutePath() + " holds no category folders. "
          + HOW_TO_GET);
    }
    Collections.sort(names);
    return names;
  }

  /** One SVG file and its category index. */
  record Item(Path file, int label) {
  }

  @Override
  public DatasetSplit build(Path dataDir, DataOptions options) {
    Path dir = dir(dataDir, options);
    List<String> classes = categories(dir);
    Split split = stratifiedSplit(listByClass(dir, classes), options.seed());
    List<Item> train = split.train();
    List<Item> test = split.test();
    train = limit(train, options);
    test = limit(test, options);
    int size = options.imageSizeOr(DEFAULT_SIZE);
    List<String> skipped = Collections.synchronizedList(new ArrayList<>());
    Rendered trainR;
    Rendered testR;
    try (PrepareProgress.Task task = options.progress().begin("openclipart: rendering SVGs",
        train.size() + test.size())) {
      trainR = render(train, classes, size, skipped, options.log(), task);
      testR = render(test, classes, size, skipped, options.log(), task);
    }
    options.log().println("openclipart: rendered " + (trainR.labels.length + testR.labels.length) + " SVGs, skipped "
        + skipped.size() + " unreadable file(s)");
    List<String> sortedSkipped = new ArrayList<>(skipped);
    Collections.sort(sortedSkipped);
    for (String s : sortedSkipped) {
      options.log().println("  skipped " + s);
    }
    float[] stats = PixelStats.meanStd(trainR.pixels);
    InputSpec imageSpec = new InputSpec("image", Modality.IMAGE, new int[] {3, size, size});
    InputSpec textSpec = new InputSpec("text", Modality.TEXT, new int[] {options.textMaxLength()});
    try (MiniLmTokenizer tokenizer = MiniLmTokenizer.create(options.textMaxLength())) {
      return new DatasetSplit(
          dataset("openclipart/train", trainR, classes, imageSpec, textSpec, stats, tokenizer),
          dataset("openclipart/test", testR, classes, imageSpec, textSpec, stats, tokenizer));
    }
  }

  /** The files of each category, in class order. */
  static List<List<Item>> listByClass(Path dir, List<String> classes) {
    List<List<Item>> byClass = new ArrayList<>();
    for (int k = 0; k < classes.size(); k++) {
      byClass.add(list(dir.resolve(classes.get(k)), k));
    }
    return byClass;
  }

  /** Train and test files. */
  record Split(List<Item> train, List<Item> test) {
  }

  /**
   * Seeded stratified split: each class's files shuffled, {@link #TEST_FRACTION} of them (rounded, at least one
   * where the class has two or more) to test, the rest to train.
   */
  static Split stratifiedSplit(List<List<Item>> byClass, long seed) {
    Random random = new Random(seed);
    List<Item> train = new ArrayList<>();
    List<Item> test = new ArrayList<>();
    for (List<Item> items : byClass) {
      List<Item> shuffled = new ArrayList<>(items);
      Collections.shuffle(shuffled, random);
      int nTest = shuffled.size() < 2 ? 0 : Math.max(1, (int) Math.round(TEST_FRACTION * shuffled.size()));
      test.addAll(shuffled.subList(0, nTest));
      train.addAll(shuffled.subList(nTest, shuffled.size()));
    }
    return new Split(train, test);
  }

  private static List<Item> list(Path categoryDir, int label) {
    try (Stream<Path> walk = Files.walk(categoryDir)) {
      return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".svg"))
          .sorted()
          .map(p -> new Item(p, label))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + categoryDir + ": " + e.getMessage(), e);
    }
  }

  private static List<Item> limit(List<Item> items, DataOptions options) {
    if (options.maxSamplesPerSplit() <= 0 || options.maxSamplesPerSplit() >= items.size()) {
      return items;
    }
    List<Item> out = new ArrayList<>();
    for (int i : ArrayDataset.sampleIndices(items.size(), options.maxSamplesPerSplit(), options.seed())) {
      out.add(items.get(i));
    }
    return out;
  }

  /** Rendered pixels, masked texts and labels of the items that rendered. */
  private record Rendered(byte[] pixels, List<String> texts, int[] labels) {
  }

  private static Rendered render(List<Item> items, List<String> classes, int size, List<String> skipped,
      PrintStream log, PrepareProgress.Task task) {
    SvgRenderer renderer = new SvgRenderer(size);
    byte[][] images = new byte[items.size()][];
    String[] texts = new String[items.size()];
    AtomicInteger done = new AtomicInteger();
    IntStream.range(0, items.size()).parallel().forEach(i -> {
      Item item = items.get(i);
      try {
        images[i] = renderer.render(item.file());
        SvgMetadata meta = SvgMetadata.read(item.file());
        String text = meta.keywords().isEmpty() ? meta.title()
            : meta.title() + ". " + String.join(", ", meta.keywords());
        texts[i] = new LabelMasker(classes.get(item.label())).mask(text);
      } catch (CorruptDataException e) {
        skipped.add(e.getMessage());
      }
      task.step();
      int n = done.incrementAndGet();
      if (n % 1000 == 0) {
        log.println("openclipart: rendered " + n + " of " + items.size());
      }
    });
    int row = 3 * size * size;
    int ok = 0;
    for (byte[] img : images) {
      ok += img == null ? 0 : 1;
    }
    byte[] pixels = new byte[ok * row];
    List<String> keptTexts = new ArrayList<>();
    int[] labels = new int[ok];
    int at = 0;
    for (int i = 0; i < items.size(); i++) {
      if (images[i] != null) {
        System.arraycopy(images[i], 0, pixels, at * row, row);
        keptTexts.add(texts[i]);
        labels[at] = items.get(i).label();
        at++;
      }
    }
    return new Rendered(pixels, keptTexts, labels);
  }

  private static ArrayDataset dataset(String name, Rendered r, List<String> classes, InputSpec imageSpec,
      InputSpec textSpec, float[] stats, MiniLmTokenizer tokenizer) {
    Column image = new Column.Bytes(imageSpec, r.pixels, stats[0], stats[1]);
    Column text = tokenizer.encode(textSpec, r.texts);
    return new ArrayDataset(name, classes, List.of(image, text), r.labels, null, List.of());
  }
}
