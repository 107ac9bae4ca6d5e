/**
 * Losses and optimizers. The optimizer and its state are mpsl4j's own (not DJL's) so that the state
 * can be checkpointed under PyTorch names ({@code exp_avg}, {@code exp_avg_sq}) and resumed exactly.
 */
package org.mpsl4j.model.train;
