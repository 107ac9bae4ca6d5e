/**
 * gRPC transport of the MPSL protocol: a thin service adapter for the server and a stream runner for
 * clients. The same classes serve the in-process simulation and TCP deployments; only the
 * {@code ServerBuilder} and {@code Channel} differ.
 */
package org.mpsl4j.engine.grpc;
