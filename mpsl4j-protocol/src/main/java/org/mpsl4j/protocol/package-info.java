/**
 * The MPSL wire format: the generated messages of {@code mpsl.proto} (package
 * {@code org.mpsl4j.protocol.v1}) and the codecs that turn native tensors into those messages and
 * back, checking every field on the way in.
 */
package org.mpsl4j.protocol;
