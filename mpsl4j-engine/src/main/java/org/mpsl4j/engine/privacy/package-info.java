/**
 * Client-side defenses against an honest-but-curious server, each with its privacy parameter: randomized response on
 * labels (label differential privacy at ε), noise on the returned output gradients (or at the logits, through the
 * client's head) and on the cut-layer activations, training on mixes of the batch's representations,
 * per-client loss and correct counts withheld, and tokenizers drawn from a seed shared only among the clients. How
 * much each one protects is measured by the attacks in {@code mpsl4j-privacy}, not assumed here.
 */
package org.mpsl4j.engine.privacy;
