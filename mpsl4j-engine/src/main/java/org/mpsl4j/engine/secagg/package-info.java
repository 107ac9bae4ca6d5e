/**
 * Secure aggregation of the epoch-end tokenizer average by pairwise masking (after Bonawitz et al., "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning", CCS 2017): each pair of clients agrees on a seed by X25519, each
 * client adds the masks it shares with higher ids and subtracts those with lower ids to its fixed-point weighted
 * parameters, so the server's sum of all shares equals the sum of the weighted parameters while a single share looks
 * uniformly random. A client that drops out is recovered from the survivors' seeds with it.
 *
 * <p>Not yet wired into the protocol: the building blocks and their tests. Bonawitz's second mask (a self mask with
 * Shamir-shared seeds, which protects a late share of a client declared dropped) is not implemented, so recovery
 * must refuse any share of a client once its masks have been revealed ({@link SecureSum} does).
 */
package org.mpsl4j.engine.secagg;
