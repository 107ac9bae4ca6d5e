/**
 * Secure aggregation of the epoch-end tokenizer average by pairwise masking (after Bonawitz et al., "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning", CCS 2017): each pair of clients agrees on a seed by X25519, each
 * client adds the masks it shares with higher ids and subtracts those with lower ids to its fixed-point weighted
 * parameters, so the server's sum of all shares equals the sum of the weighted parameters while a single share looks
 * uniformly random. A client that drops out is recovered from the survivors' seeds with it.
 *
 * <p>Wired into the protocol at epoch ends with {@code --secure-aggregation}: {@link
 * org.mpsl4j.engine.secagg.SecAggClient} is a client's side, {@code engine.mpsl.SecureAggregation} the server's. Single
 * masks only: Bonawitz's second mask (a self mask with Shamir-shared seeds, which protects a late share of a client
 * declared dropped, and limits what a server that lies about dropouts can unmask) is not implemented, so recovery
 * refuses any share of a client once its masks have been revealed ({@link org.mpsl4j.engine.secagg.SecureSum} does),
 * and clients refuse rounds of fewer than 3 parties or recoveries that would leave fewer than 2 shares.
 *
 * <p>A private average ({@code --private-average}) adds {@link org.mpsl4j.engine.secagg.GroupPads}: pads from a secret
 * the clients share, so that the server's sum is still padded and only the clients can decode it
 * ({@link org.mpsl4j.engine.secagg.SecAggClient#average}).
 */
package org.mpsl4j.engine.secagg;
