/**
 * The two halves of one split-learning step. {@link org.mpsl4j.core.step.ServerSplitStep} is the
 * server's (one model, one optimizer, any number of clients per forward pass); {@link
 * org.mpsl4j.core.step.ClientSplitStep} is a client's (its tokenizers, its labels, its optimizer);
 * {@link org.mpsl4j.core.step.OutputLoss} is where a client turns outputs into a loss and its gradient.
 */
package org.mpsl4j.core.step;
