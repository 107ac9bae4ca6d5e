/**
 * Secure aggregation of the epoch-end tokenizer average by double masking (Bonawitz et al., "Practical Secure
 * Aggregation for Privacy-Preserving Machine Learning", CCS 2017): each pair of clients agrees on a seed by X25519 and
 * each client adds the masks it shares with higher ids and subtracts those with lower ids ({@link
 * org.mpsl4j.engine.secagg.Masks}), and adds a self mask from a seed of its own, to its fixed-point weighted
 * parameters. Both its self-mask seed and its mask private key are Shamir-shared ({@link
 * org.mpsl4j.engine.secagg.Shamir}, t of n) to the other clients in boxes only they can open ({@link
 * org.mpsl4j.engine.secagg.ShareBoxes}). At unmasking each survivor reveals, per party, the share of its self-mask seed
 * (it survived) or of its mask key (it dropped), never both: so the server removes exactly the survivors' self masks
 * and the dropouts' pairwise masks, and a server that lies about a dropout gets one kind of share only ({@link
 * org.mpsl4j.engine.secagg.Threshold}: t &gt; n/2).
 *
 * <p>Wired into the protocol at epoch ends with {@code --secure-aggregation}: {@link
 * org.mpsl4j.engine.secagg.SecAggClient} is a client's side, {@code engine.mpsl.SecureAggregation} the server's, whose
 * sum is {@link org.mpsl4j.engine.secagg.SecureSum}.
 *
 * <p>A private average ({@code --private-average}) adds {@link org.mpsl4j.engine.secagg.GroupPads}: pads from a secret
 * the clients share, so that the server's sum is still padded and only the clients can decode it
 * ({@link org.mpsl4j.engine.secagg.SecAggClient#average}).
 */
package org.mpsl4j.engine.secagg;
