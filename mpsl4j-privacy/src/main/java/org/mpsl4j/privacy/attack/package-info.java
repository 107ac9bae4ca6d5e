/**
 * Attacks an honest-but-curious server can run on the messages it receives: label inference from output gradients
 * (the exact rule; norm, direction and clustering attacks of Li et al. 2022 and arXiv 2203.05222), labels from the
 * reported loss, and input reconstruction by inverting the patch tokenizer. Pure numerics on plain arrays: they are
 * offline analyses of a record, not part of training.
 */
package org.mpsl4j.privacy.attack;
