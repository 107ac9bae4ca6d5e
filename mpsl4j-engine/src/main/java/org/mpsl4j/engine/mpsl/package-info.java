/**
 * The MPSL method, transport-agnostic: {@link org.mpsl4j.engine.mpsl.MpslServer} runs the step loop
 * over one shared server model, {@link org.mpsl4j.engine.mpsl.MpslClient} holds a client's data,
 * labels, tokenizers and optimizer. Both speak only the messages of {@code mpsl.proto}; the
 * {@code grpc} package carries them in-process or over TCP, and this package never imports io.grpc.
 */
package org.mpsl4j.engine.mpsl;
