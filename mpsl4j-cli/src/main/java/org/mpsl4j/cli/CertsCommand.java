package org.mpsl4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.mpsl4j.engine.grpc.Certificates;
import org.mpsl4j.engine.sim.MpslSetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code mpsl4j certs}: a test CA, a server certificate and one client certificate per client id, as
 * PEM files for {@code server --tls-*} and {@code client --tls-*}, and optionally a tokens file. The
 * JDK alone makes them (EC P-256); an existing CA in the folder is reused, so running it again with
 * more clients adds their certificates under the same CA.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Create a test CA, a server certificate and client certificates (PEM) for TLS and mutual TLS.")
final class CertsCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "certs", description = "Folder for the files (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--clients", defaultValue = "3",
      description = "Client certificates for client-0 .. client-<n-1>, the ids of `client --index` (default: ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--client-id", description = "Also a certificate for this client id (repeatable).")
  List<String> extraIds = new ArrayList<>();

  @Option(names = "--host", split = ",", defaultValue = "localhost,127.0.0.1",
      description = "Names and addresses clients dial the server by, for its certificate (default: ${DEFAULT-VALUE}).")
  List<String> hosts;

  @Option(names = "--days", defaultValue = "30", description = "Validity in days (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--tokens", description = "Also write tokens.txt ('clientId token' per line, for server --tokens-file).")
  boolean tokens;

  @Override
  public Integer call() throws Exception {
    if (days < 1 || clients < 0) {
      System.err.println("error: --days must be >= 1 and --clients >= 0");
      return 2;
    }
    Duration validity = Duration.ofDays(days);
    Path caCert = out.resolve("ca.crt");
    Path caKey = out.resolve("ca.key");
    Certificates.Issued ca;
    if (Files.exists(caCert) && Files.exists(caKey)) {
      ca = new Certificates.Issued(Certificates.readCertificate(caCert), Certificates.readKey(caKey));
      System.out.println("reusing the CA in " + caCert);
    } else {
      ca = Certificates.newAuthority("mpsl4j test CA", validity);
      ca.write(out, "ca");
      System.out.println("wrote " + caCert + " and " + caKey + " (keep ca.key away from the machines)");
    }
    Certificates.newServer(ca, "mpsl4j server", hosts, validity).write(out, "server");
    System.out.println("wrote " + out.resolve("server.crt") + " for " + String.join(", ", hosts));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      ids.add(MpslSetup.clientId(i));
    }
    ids.addAll(extraIds);
    for (String id : ids) {
      if (!id.matches("[A-Za-z0-9._-]+")) {
        System.err.println("error: client id '" + id + "' may use only letters, digits, '.', '_' and '-'");
        return 2;
      }
      Certificates.newClient(ca, id, validity).write(out, id);
    }
    System.out.println("wrote " + ids.size() + " client certificates (CN = client id): " + String.join(", ", ids));
    if (tokens) {
      SecureRandom rng = new SecureRandom();
      StringBuilder b = new StringBuilder("# clientId token (for mpsl4j server --tokens-file; each client gets its own)\n");
      for (String id : ids) {
        byte[] t = new byte[16];
        rng.nextBytes(t);
        b.append(id).append(' ').append(HexFormat.of().formatHex(t)).append('\n');
      }
      Path file = out.resolve("tokens.txt");
      Files.deleteIfExists(file);
      Files.createFile(file);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.writeString(file, b);
      System.out.println("wrote " + file);
    }
    System.out.printf("server: mpsl4j server --tls-cert %s --tls-key %s --tls-client-ca %s ...%n",
        out.resolve("server.crt"), out.resolve("server.key"), caCert);
    if (!ids.isEmpty()) {
      System.out.printf("client: mpsl4j client --tls-ca %s --tls-cert %s --tls-key %s ...%n", caCert,
          out.resolve(ids.get(0) + ".crt"), out.resolve(ids.get(0) + ".key"));
    }
    return 0;
  }
}
