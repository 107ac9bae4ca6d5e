package org.mpsl4j.engine.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.mpsl4j.engine.mpsl.ClientConfig;
import org.mpsl4j.engine.mpsl.EpochStats;
import org.mpsl4j.engine.mpsl.MessageLimits;
import org.mpsl4j.engine.mpsl.MpslClient;
import org.mpsl4j.engine.mpsl.MpslServer;
import org.mpsl4j.engine.mpsl.RandomDataset;
import org.mpsl4j.engine.mpsl.ServerConfig;
import org.mpsl4j.engine.mpsl.ServerObserver;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.protocol.v1.ErrorCode;

/**
 * TLS and mutual TLS on loopback TCP, with certificates from {@link Certificates} written under
 * target/: a session trains over mutual TLS; a client holding client-b's certificate cannot open a
 * session as client-a; a plaintext client at a TLS server, a client without a certificate at a
 * mutual-TLS server and a client that does not trust the server's CA all fail with a message that
 * names the problem.
 */
final class TlsTransportTest {
  private static final Path DIR = Path.of("target", "tls-test");
  private static final long SEED = 11;
  private static final float LR = 1e-3f;
  private static final ModelConfig MODEL = RandomDataset.model();
  private static final int MAX_BYTES = MessageLimits.maxMessageBytes(MODEL, 8);
  private static final Map<String, String> TOKENS = Map.of("client-a", "token-a", "client-b", "token-b");
  private static Certificates.Paths ca;
  private static Certificates.Paths server;
  private static Certificates.Paths clientA;
  private static Certificates.Paths clientB;
  private static Certificates.Paths otherCa;
  private static Certificates.Paths elsewhere;
  private final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void certificates() throws Exception {
    Duration day = Duration.ofDays(1);
    Certificates.Issued authority = Certificates.newAuthority("mpsl4j test CA", day);
    ca = authority.write(DIR, "ca");
    server = Certificates.newServer(authority, "mpsl4j server", List.of("localhost", "127.0.0.1"), day)
        .write(DIR, "server");
    clientA = Certificates.newClient(authority, "client-a", day).write(DIR, "client-a");
    clientB = Certificates.newClient(authority, "client-b", day).write(DIR, "client-b");
    otherCa = Certificates.newAuthority("someone else's CA", day).write(DIR, "other-ca");
    elsewhere = Certificates.newServer(authority, "another server", List.of("other.example"), day).write(DIR, "elsewhere");
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  @Timeout(10)
  void certificates_chainToTheirCa_andNameTheirHolder() throws Exception {
    X509Certificate root = Certificates.readCertificate(ca.certificate());
    X509Certificate leaf = Certificates.readCertificate(clientA.certificate());
    leaf.verify(root.getPublicKey());
    root.verify(root.getPublicKey());
    assertThat(leaf.getSubjectX500Principal().getName()).contains("CN=client-a");
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(Certificates.readCertificate(server.certificate()).getSubjectAlternativeNames())
        .extracting(l -> (Object) l.get(1)).contains("localhost", "127.0.0.1");
    assertThat(Certificates.readKey(clientA.key()).getAlgorithm()).isEqualTo("EC");
  }

  @Test
  @Timeout(60)
  void mutualTls_twoClientsTrainOneEpoch() throws Exception {
    MpslServer mpsl = server(2);
    int port = serve(mpsl, new TcpTransport.ServerTls(server.certificate(), server.key(), ca.certificate()));
    RandomDataset data = new RandomDataset(16, 3, 1);
    List<ClientRunner> runners = new ArrayList<>();
    Certificates.Paths[] certs = {clientA, clientB};
    for (int i = 0; i < 2; i++) {
      String id = i == 0 ? "client-a" : "client-b";
      MpslClient c = client(id, TOKENS.get(id), data, IntStream.range(i * 8, i * 8 + 8).toArray());
      ManagedChannel ch = channel(port, new TcpTransport.ClientTls(ca.certificate(), certs[i].certificate(),
          certs[i].key()));
      TcpTransport.awaitReady(ch, Duration.ofSeconds(10));
      ClientRunner r = new ClientRunner(c, ch);
      r.start();
      runners.add(r);
    }
    List<EpochStats> epochs = mpsl.train(s -> {});
    assertThat(epochs).hasSize(1);
    assertThat(epochs.get(0).samples()).isEqualTo(16);
    assertThat(epochs.get(0).meanLoss()).isFinite();
    for (ClientRunner r : runners) {
      waitDone(r);
      assertThat(r.client().lastError()).isNull();
    }
  }

  @Test
  @Timeout(30)
  void mutualTls_clientBsCertificateCannotActAsClientA() throws Exception {
    MpslServer mpsl = server(2);
    int port = serve(mpsl, new TcpTransport.ServerTls(server.certificate(), server.key(), ca.certificate()));
    // client-b's certificate and key, and even client-a's token: the certificate names client-b.
    MpslClient impostor = client("client-a", TOKENS.get("client-a"), new RandomDataset(4, 3, 2), new int[] {0, 1});
    ManagedChannel ch = channel(port, new TcpTransport.ClientTls(ca.certificate(), clientB.certificate(), clientB.key()));
    ClientRunner r = new ClientRunner(impostor, ch);
    r.start().get(20, TimeUnit.SECONDS);
    assertThat(impostor.lastError()).startsWith("UNAUTHENTICATED")
        .contains("issued to 'client-b'", "claims client 'client-a'");
    assertThat(mpsl.rejections()).containsEntry(ErrorCode.UNAUTHENTICATED, 1L);
  }

  @Test
  @Timeout(30)
  void plaintextClientAtTlsServer_failsWithAClearMessage() throws Exception {
    int port = serve(server(1), new TcpTransport.ServerTls(server.certificate(), server.key(), null));
    ManagedChannel plain = channel(port, null);
    assertThat(connectFailure(plain)).contains("cannot connect to 127.0.0.1:" + port, "--tls-ca");
  }

  @Test
  @Timeout(30)
  void clientWithoutCertificateAtMutualTlsServer_andClientThatDistrustsTheServer_fail() throws Exception {
    int port = serve(server(1), new TcpTransport.ServerTls(server.certificate(), server.key(), ca.certificate()));
    ManagedChannel noCert = channel(port, new TcpTransport.ClientTls(ca.certificate(), null, null));
    assertThat(connectFailure(noCert)).contains("cannot connect", "--tls-cert");
    ManagedChannel distrusting = channel(port, new TcpTransport.ClientTls(otherCa.certificate(), clientA.certificate(),
        clientA.key()));
    assertThat(connectFailure(distrusting)).contains("cannot connect", "--tls-ca");
  }

  @Test
  @Timeout(30)
  void clientWithoutCertificateAtMutualTlsServer_isReportedToTheObserversAsATlsRefusal() throws Exception {
    MpslServer mpsl = server(1);
    List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
    mpsl.observe(new ServerObserver() {
      @Override
      public void rejected(String clientId, String reason, String detail) {
        refusals.add(reason + ": " + detail);
      }
    });
    int port = serve(mpsl, new TcpTransport.ServerTls(server.certificate(), server.key(), ca.certificate()));
    ManagedChannel noCert = channel(port, new TcpTransport.ClientTls(ca.certificate(), null, null));
    connectFailure(noCert);

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (refusals.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(refusals).isNotEmpty();
    assertThat(refusals.get(0)).startsWith("TLS: ").contains("client certificate");
  }

  @Test
  @Timeout(30)
  void serverCertificateForAnotherName_fails() throws Exception {
    int port = serve(server(1), new TcpTransport.ServerTls(elsewhere.certificate(), elsewhere.key(), null));
    ManagedChannel ch = channel(port, new TcpTransport.ClientTls(ca.certificate(), null, null));
    assertThat(connectFailure(ch)).contains("cannot connect", "No subject alternative names matching IP address 127.0.0.1",
        "certs --host");
  }

  /** The message of the IOException awaitReady fails with (printed: it is what a user reads). */
  private static String connectFailure(ManagedChannel ch) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> TcpTransport.awaitReady(ch, Duration.ofSeconds(15)));
    assertThat(t).isInstanceOf(IOException.class);
    System.out.println("connect failure: " + t.getMessage());
    return t.getMessage();
  }

  private MpslServer server(int clients) {
    ServerConfig config = new ServerConfig(clients, 1, LR, 5, 0.1f, Duration.ofSeconds(20), Duration.ofSeconds(10),
        TOKENS, null, 8);
    MpslServer s = new MpslServer(config, MODEL, SEED);
    open.add(s);
    return s;
  }

  private int serve(MpslServer mpsl, TcpTransport.ServerTls tls) throws IOException {
    Server s = TcpTransport.serve(mpsl, "127.0.0.1", 0, MAX_BYTES, tls);
    open.add(() -> s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return s.getPort();
  }

  private ManagedChannel channel(int port, TcpTransport.ClientTls tls) {
    ManagedChannel ch = TcpTransport.connect("127.0.0.1", port, MAX_BYTES, tls);
    open.add(() -> ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return ch;
  }

  private MpslClient client(String id, String token, RandomDataset data, int[] indices) {
    MpslClient c = new MpslClient(new ClientConfig(id, token, 4, SEED, id.hashCode()), MODEL, data, indices, LR);
    open.add(c);
    return c;
  }

  private static void waitDone(ClientRunner r) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!r.client().done() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    assertThat(r.client().done()).as(r.client().clientId() + " done").isTrue();
  }
}
