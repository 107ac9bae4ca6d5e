/**
 * Client partitions of a dataset: IID, Dirichlet label skew with a minimum per client (the MPSL reference uses
 * alpha 0.5 and at least 10 samples), and natural groups (one client per speaker or subject, optionally sharded).
 * A {@link org.mpsl4j.data.partition.PartitionSummary} prints and saves samples and class histograms per client.
 */
package org.mpsl4j.data.partition;
