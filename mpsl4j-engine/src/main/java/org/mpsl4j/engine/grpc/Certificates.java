package org.mpsl4j.engine.grpc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;

/**
 * A small certificate authority for test and lab deployments, with the JDK alone (no BouncyCastle,
 * no openssl): EC P-256 keys, SHA256withECDSA signatures, X.509 v3 with basic constraints, key usage,
 * extended key usage and subject alternative names, written as PEM (certificate) and unencrypted
 * PKCS#8 PEM (key, readable by its owner only) — the files {@link TcpTransport} and gRPC's TLS
 * credentials read.
 *
 * <p>A production deployment should use its organisation's CA; this one exists so that a test, a
 * lab or {@code mpsl4j certs} can set up TLS and mutual TLS in one step.
 */
public final class Certificates {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] OID_ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
  private static final byte[] OID_CN = oid(2, 5, 4, 3);
  private static final byte[] OID_ORG = oid(2, 5, 4, 10);
  private static final byte[] OID_BASIC_CONSTRAINTS = oid(2, 5, 29, 19);
  private static final byte[] OID_KEY_USAGE = oid(2, 5, 29, 15);
  private static final byte[] OID_EXT_KEY_USAGE = oid(2, 5, 29, 37);
  private static final byte[] OID_SAN = oid(2, 5, 29, 17);
  private static final byte[] OID_SERVER_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 1);
  private static final byte[] OID_CLIENT_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 2);
  private static final String ORGANISATION = "mpsl4j";

  private Certificates() {}

  /** A certificate and its private key. */
  public record Issued(X509Certificate certificate, PrivateKey key) {
    /** Writes {@code <name>.crt} and {@code <name>.key} (mode 600 where the file system allows) into {@code dir}. */
    public Paths write(Path dir, String name) throws IOException {
      Files.createDirectories(dir);
      Path crt = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      try {
        Files.writeString(crt, pem("CERTIFICATE", certificate.getEncoded()));
      } catch (java.security.cert.CertificateEncodingException e) {
        throw new IOException(e);
      }
      Files.deleteIfExists(key);
      Files.createFile(key);
      try {
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system
      }
      Files.writeString(key, pem("PRIVATE KEY", this.key.getEncoded()));
      return new Paths(crt, key);
    }
  }

  /** Where {@link Issued#write} put the files. */
  public record Paths(Path certificate, Path key) {}

  /** A new self-signed CA certificate. */
  public static Issued newAuthority(String commonName, Duration validity) throws GeneralSecurityException {
    KeyPair kp = keyPair();
    byte[] name = name(commonName);
    return sign(name, kp, name, kp.getPrivate(), validity, true, List.of(), List.of());
  }

  /**
   * A server certificate signed by {@code ca}, valid for {@code hosts} (DNS names or IP addresses: a
   * client checks the name it dials against them).
   */
  public static Issued newServer(Issued ca, String commonName, List<String> hosts, Duration validity)
      throws GeneralSecurityException {
    return leaf(ca, commonName, hosts, validity, OID_SERVER_AUTH);
  }

  /** A client certificate signed by {@code ca} whose subject CN is the client id the server will hold it to. */
  public static Issued newClient(Issued ca, String clientId, Duration validity) throws GeneralSecurityException {
    return leaf(ca, clientId, List.of(), validity, OID_CLIENT_AUTH);
  }

  private static Issued leaf(Issued ca, String cn, List<String> hosts, Duration validity, byte[] usage)
      throws GeneralSecurityException {
    byte[] issuer = ca.certificate().getSubjectX500Principal().getEncoded();
    return sign(name(cn), keyPair(), issuer, ca.key(), validity, false, hosts, List.of(usage));
  }

  /** Reads the first certificate of a PEM file. */
  public static X509Certificate readCertificate(Path pem) throws IOException, GeneralSecurityException {
    try (var in = Files.newInputStream(pem)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  /** Reads an unencrypted PKCS#8 EC key written by {@link Issued#write}. */
  public static PrivateKey readKey(Path pem) throws IOException, GeneralSecurityException {
    String text = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return java.security.KeyFactory.getInstance("EC")
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(Base64.getDecoder().decode(text)));
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static Issued sign(byte[] subject, KeyPair subjectKeys, byte[] issuer, PrivateKey issuerKey, Duration validity,
      boolean ca, List<String> hosts, List<byte[]> extendedUsages) throws GeneralSecurityException {
    Instant now = Instant.now();
    byte[] algorithm = seq(OID_ECDSA_SHA256);
    ByteArrayOutputStream extensions = new ByteArrayOutputStream();
    extensions.writeBytes(extension(OID_BASIC_CONSTRAINTS, true, ca ? seq(tlv(0x01, new byte[] {(byte) 0xff})) : seq()));
    // keyUsage: digitalSignature (bit 0), plus keyCertSign (5) and cRLSign (6) for a CA
    extensions.writeBytes(extension(OID_KEY_USAGE, true,
        ca ? tlv(0x03, new byte[] {1, (byte) 0x86}) : tlv(0x03, new byte[] {7, (byte) 0x80})));
    if (!extendedUsages.isEmpty()) {
      extensions.writeBytes(extension(OID_EXT_KEY_USAGE, false, seq(extendedUsages.toArray(new byte[0][]))));
    }
    if (!hosts.isEmpty()) {
      ByteArrayOutputStream names = new ByteArrayOutputStream();
      for (String h : hosts) {
        names.writeBytes(generalName(h));
      }
      extensions.writeBytes(extension(OID_SAN, false, tlv(0x30, names.toByteArray())));
    }
    byte[] tbs = seq(
        tlv(0xa0, integer(BigInteger.TWO)),                       // version v3
        integer(new BigInteger(127, RANDOM).add(BigInteger.ONE)), // positive serial
        algorithm,
        issuer,
        seq(time(now.minus(Duration.ofHours(1))), time(now.plus(validity))),
        subject,
        subjectKeys.getPublic().getEncoded(),                     // SubjectPublicKeyInfo
        tlv(0xa3, tlv(0x30, extensions.toByteArray())));
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(issuerKey);
    s.update(tbs);
    byte[] der = seq(tbs, algorithm, bitString(s.sign()));
    X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new java.io.ByteArrayInputStream(der));
    return new Issued(cert, subjectKeys.getPrivate());
  }

  private static byte[] generalName(String host) {
    if (host.matches("[0-9.]+") || host.contains(":")) {
      try {
        return tlv(0x87, InetAddress.getByName(host).getAddress()); // [7] iPAddress
      } catch (java.net.UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + host, e);
      }
    }
    return tlv(0x82, host.getBytes(StandardCharsets.US_ASCII)); // [2] dNSName
  }

  private static byte[] name(String commonName) {
    if (commonName == null || commonName.isBlank()) {
      throw new IllegalArgumentException("a certificate needs a common name");
    }
    return seq(
        tlv(0x31, seq(OID_ORG, tlv(0x0c, ORGANISATION.getBytes(StandardCharsets.UTF_8)))),
        tlv(0x31, seq(OID_CN, tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
  }

  private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
    return critical ? seq(oid, tlv(0x01, new byte[] {(byte) 0xff}), tlv(0x04, value)) : seq(oid, tlv(0x04, value));
  }

  private static byte[] time(Instant t) {
    var utc = t.atOffset(ZoneOffset.UTC);
    if (utc.getYear() < 2050) {
      return tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(utc).getBytes(StandardCharsets.US_ASCII));
    }
    return tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(utc).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] integer(BigInteger v) {
    return tlv(0x02, v.toByteArray());
  }

  private static byte[] bitString(byte[] bits) {
    byte[] v = new byte[bits.length + 1];
    System.arraycopy(bits, 0, v, 1, bits.length);
    return tlv(0x03, v);
  }

  private static byte[] oid(int... arcs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(40 * arcs[0] + arcs[1]);
    for (int i = 2; i < arcs.length; i++) {
      int a = arcs[i];
      int shift = 28;
      while (shift > 0 && (a >>> shift) == 0) {
        shift -= 7;
      }
      for (; shift > 0; shift -= 7) {
        out.write(0x80 | ((a >>> shift) & 0x7f));
      }
      out.write(a & 0x7f);
    }
    return tlv(0x06, out.toByteArray());
  }

  private static byte[] seq(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return tlv(0x30, out.toByteArray());
  }

  /** One DER tag-length-value. */
  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
