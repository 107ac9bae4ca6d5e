package org.mpsl4j.core.cut;

import ai.djl.ndarray.NDArray;

/**
 * A client's answer to its outputs: gᵢ = (bᵢ/B)·∂Lᵢ/∂Zᵢ, the gradient of its weighted loss with respect
 * to its output slice (same shape as the slice), and the loss Lᵢ and correct count for the server's
 * logs. The labels that produced it stay with the client.
 */
public record OutputGradient(String client, NDArray gradient, float loss, int correct) {}
