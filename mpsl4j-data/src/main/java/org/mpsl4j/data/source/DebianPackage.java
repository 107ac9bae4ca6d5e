package org.mpsl4j.data.source;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.mpsl4j.data.DataUnavailableException;

/**
 * Fetches a data folder out of a Debian package without installing it (no root needed): {@code apt-get download}
 * puts the {@code .deb} into a work folder, {@code dpkg-deb -x} unpacks it there, and the one folder wanted is moved
 * into the data folder.
 *
 * @param name        package name, e.g. {@code openclipart-svg}
 * @param folder      the folder inside the package to keep, e.g. {@code usr/share/openclipart/svg}
 * @param licence     the package's licence, for the message
 */
public record DebianPackage(String name, String folder, String licence) {

  /** Fetches the package and moves its {@link #folder()} to {@code targetDir} (which must not exist yet). */
  public void fetch(Path targetDir, PrintStream log) {
    String howTo = "On Debian or Ubuntu run 'apt-get update' (as root) once and retry, or download " + name
        + "_*.deb from https://packages.debian.org/" + name + " and run 'dpkg-deb -x <file>.deb <dir>', then point"
        + " the loader at <dir>/" + folder;
    try {
      Path parent = targetDir.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path work = Files.createTempDirectory(parent, ".deb-" + name);
      try {
        ExternalCommand.run(List.of("apt-get", "download", name), work, 600, howTo);
        Path deb = findDeb(work, howTo);
        Path unpacked = work.resolve("root");
        ExternalCommand.run(List.of("dpkg-deb", "-x", deb.toString(), unpacked.toString()), work, 600, howTo);
        Path wanted = unpacked.resolve(folder);
        if (!Files.isDirectory(wanted)) {
          throw new DataUnavailableException(deb.getFileName() + " has no folder " + folder + ". " + howTo);
        }
        Files.move(wanted, targetDir, StandardCopyOption.ATOMIC_MOVE);
        log.println(name + ": fetched " + deb.getFileName() + " with 'apt-get download' from the configured Debian"
            + " archive, unpacked /" + folder + " with 'dpkg-deb -x' into " + targetDir + " (" + licence + ")");
      } finally {
        NpmPackage.deleteRecursively(work);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fetch Debian package " + name + " into " + targetDir + ": "
          + e.getMessage(), e);
    }
  }

  private Path findDeb(Path work, String howTo) throws IOException {
    try (DirectoryStream<Path> debs = Files.newDirectoryStream(work, name + "_*.deb")) {
      for (Path deb : debs) {
        return deb;
      }
    }
    throw new DataUnavailableException("'apt-get download " + name + "' left no .deb in " + work + ". " + howTo);
  }
}
