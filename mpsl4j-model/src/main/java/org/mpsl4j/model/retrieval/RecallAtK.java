package org.mpsl4j.model.retrieval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Recall@1/5/10 of cross-modal retrieval over a test set of N pairs: for each query of one modality, the
 * fraction of queries whose own partner is among the K most similar of the N candidates of the other
 * modality. A partner's rank is the number of other candidates at least as similar as it: a tie counts
 * against the partner, so identical embeddings (duplicate captions, a collapsed model) earn no hit. Random
 * ranking gives Recall@K = K / N.
 *
 * @param forward first modality → second (e.g. image → text): R@1, R@5, R@10 in [0, 1]
 * @param backward second modality → first (e.g. text → image): R@1, R@5, R@10 in [0, 1]
 * @param queries N, the number of test pairs
 */
public record RecallAtK(double[] forward, double[] backward, long queries) {
  /** The cut-offs reported. */
  public static final int[] KS = {1, 5, 10};

  /** Recall@K of {@code outputs} (N, 2e): all test pairs' embeddings ({@link PairEmbeddings}). */
  public static RecallAtK of(NDArray outputs) {
    NDArray first = PairEmbeddings.first(outputs);
    NDArray second = PairEmbeddings.second(outputs);
    NDArray sims = first.matMul(second.transpose()); // (N, N): query i of the first modality vs candidate j
    long n = outputs.getShape().get(0);
    NDArray own = sims.mul(sims.getManager().eye((int) n)).sum(new int[] {1}); // the diagonal, bit for bit
    // Rank of the partner = other candidates at least as similar (a tie is no hit: a collapsed model, all
    // embeddings equal, scores 0, not 1); one comparison of the whole matrix per direction, minus the partner.
    NDArray forwardRank = sims.gte(own.expandDims(1)).toType(DataType.INT32, false).sum(new int[] {1}).sub(1);
    NDArray backwardRank = sims.gte(own.expandDims(0)).toType(DataType.INT32, false).sum(new int[] {0}).sub(1);
    return new RecallAtK(recalls(forwardRank, n), recalls(backwardRank, n), n);
  }

  private static double[] recalls(NDArray ranks, long n) {
    double[] out = new double[KS.length];
    for (int i = 0; i < KS.length; i++) {
      NDArray hits = ranks.lt(ranks.getManager().create(KS[i])).toType(DataType.INT64, false).sum();
      out[i] = n == 0 ? 0 : hits.getLong() / (double) n;
    }
    return out;
  }

  /** The mean of both directions' Recall@1: the one number curves and tables rank retrieval by. */
  public double meanR1() {
    return (forward[0] + backward[0]) / 2;
  }

  /** R@K of the first → second direction. */
  public double forwardAt(int k) {
    return forward[indexOf(k)];
  }

  /** R@K of the second → first direction. */
  public double backwardAt(int k) {
    return backward[indexOf(k)];
  }

  private static int indexOf(int k) {
    for (int i = 0; i < KS.length; i++) {
      if (KS[i] == k) {
        return i;
      }
    }
    throw new IllegalArgumentException("Recall@" + k + " is not reported; K is one of 1, 5, 10");
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "R@1/5/10 %.1f/%.1f/%.1f %% forward, %.1f/%.1f/%.1f %% backward (%d pairs)",
        100 * forward[0],
        100 * forward[1], 100 * forward[2], 100 * backward[0], 100 * backward[1], 100 * backward[2], queries);
  }
}
