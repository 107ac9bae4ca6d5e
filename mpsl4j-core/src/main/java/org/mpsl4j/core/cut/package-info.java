/**
 * What crosses the cut layer in one split-learning step, as records of native tensors: {@link
 * org.mpsl4j.core.cut.CutActivations} up, {@link org.mpsl4j.core.cut.CutOutputs} down, {@link
 * org.mpsl4j.core.cut.OutputGradient} up, {@link org.mpsl4j.core.cut.CutGradient} down. A transport
 * encodes them (gRPC: {@code mpsl.proto}) or hands them over as they are (the in-memory port).
 */
package org.mpsl4j.core.cut;
