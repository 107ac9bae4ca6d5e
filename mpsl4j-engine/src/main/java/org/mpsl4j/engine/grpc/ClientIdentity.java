package org.mpsl4j.engine.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * The client identity that mutual TLS proved: the subject CN of the certificate the client presented
 * (the TLS handshake already checked that a trusted CA signed it and that the client holds its key).
 * {@link SplitLearningService} hands it to the server, which accepts a Hello only for that client id,
 * so a client holding client-b's certificate cannot open a session as client-a.
 *
 * <p>Without TLS, or with TLS but no client certificate, there is no identity ({@link #current()} is
 * null) and the token in Hello is the only credential.
 */
public final class ClientIdentity implements ServerInterceptor {
  private static final Context.Key<String> CERTIFIED_ID = Context.key("mpsl4j-certified-client-id");

  /** The certified client id of the call being handled on this thread, or null. */
  public static String current() {
    return CERTIFIED_ID.get();
  }

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    SSLSession tls = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (tls == null) {
      return next.startCall(call, headers);
    }
    Certificate[] chain;
    try {
      chain = tls.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return next.startCall(call, headers); // server-only TLS: no client certificate
    }
    String cn = chain.length > 0 && chain[0] instanceof X509Certificate x ? commonName(x.getSubjectX500Principal()) : null;
    if (cn == null) {
      call.close(Status.UNAUTHENTICATED.withDescription("the client certificate has no subject CN to name the client"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Context.current().withValue(CERTIFIED_ID, cn), call, headers, next);
  }

  /** The (last) CN of a distinguished name, or null. */
  static String commonName(X500Principal subject) {
    try {
      String cn = null;
      for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = rdn.getValue().toString();
        }
      }
      return cn;
    } catch (InvalidNameException e) {
      return null;
    }
  }
}
