/**
 * The split-learning step, written once and transport-agnostic. {@code cut}: the records of what
 * crosses the cut layer. {@code step}: the server's half of a step ({@link
 * org.mpsl4j.core.step.ServerSplitStep}: concatenate, one forward, slices out, weighted output
 * gradients in, one backward, one optimizer step, cut-gradient slices out) and the client's half
 * ({@link org.mpsl4j.core.step.ClientSplitStep}). {@code port}: the transport port ({@link
 * org.mpsl4j.core.port.Cohort}), the loop of one step over it ({@link
 * org.mpsl4j.core.port.SplitStepRunner}) and the in-memory port. {@code data}: batches as tensors and
 * the seeded epoch order. Nothing here imports gRPC or protobuf (CoreHasNoWireTypesTest).
 */
package org.mpsl4j.core;
