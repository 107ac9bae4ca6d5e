/**
 * gRPC transport of the MPSL protocol: a thin service adapter for the server and a stream runner for
 * clients. The same classes serve the in-process simulation and TCP deployments; only the
 * {@code ServerBuilder} and {@code Channel} differ. Over TCP, {@link org.mpsl4j.engine.grpc.TcpTransport}
 * adds TLS and mutual TLS, {@link org.mpsl4j.engine.grpc.ClientIdentity} hands the certified client id
 * to the server, and {@link org.mpsl4j.engine.grpc.Certificates} makes a test CA and certificates.
 */
package org.mpsl4j.engine.grpc;
