/**
 * The embedded simulation: one MPSL server and N clients in one JVM, talking over gRPC's in-process
 * transport through exactly the protocol code a deployment uses.
 */
package org.mpsl4j.engine.sim;
