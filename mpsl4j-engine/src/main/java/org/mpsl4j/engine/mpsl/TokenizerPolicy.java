package org.mpsl4j.engine.mpsl;

import java.util.Locale;

/**
 * How the clients' tokenizers are kept from drifting apart, and the server from telling clients apart by
 * them (docs/GLOBAL_MODEL.md). In the paper's MPSL
 * every client trains its own tokenizers for the whole run and only the epoch-end average forms the
 * global model; under label skew the server then learns which client's tokenizer made an activation
 * instead of what it shows, and the averaged tokenizers, which carry no such fingerprint, fail.
 *
 * @param syncEvery 0: never send tokenizers back (the paper); K ≥ 1: after every K-th training step of an
 *     epoch the server averages the clients' tokenizers and every client continues from that average;
 *     {@link #EPOCH}: only at epoch ends
 * @param learningRateScale the clients' learning rate as a multiple of the server's (1: the paper; 0:
 *     tokenizers frozen at their common initialization, so they never differ); with {@code sharedGradients}
 *     the rate of the server's one tokenizer optimizer
 * @param sharedGradients FedSGD on the tokenizers: after every step each client that counted sends its
 *     tokenizer gradient, the server sums them (each is already weighted by bᵢ/B, so the sum is the gradient of
 *     the step's loss for one shared tokenizer), steps one tokenizer optimizer and sends the result to every
 *     client. Clients then never differ, yet the tokenizer learns from every client's data as in centralized
 *     training. Requires {@code syncEvery} 0.
 * @param clientAdversary λ of a client-identity adversary with gradient reversal on the server's pooled
 *     representation ({@link org.mpsl4j.core.step.ClientAdversary}); 0: none
 * @param tables with {@code sharedGradients}: how the text embedding tables and other large tables are trained
 *     ({@link SharedTables}; {@link SharedTables#ROWS} is the default of {@link #sharedGradients(float)})
 */
public record TokenizerPolicy(int syncEvery, float learningRateScale, boolean sharedGradients, float clientAdversary,
    SharedTables tables) {
  /**
   * How a shared tokenizer's large tables are trained ({@code --shared-tables}). Either way a client sends the gradient
   * of the rows its batches used and sets the rows the server sends back ({@link SharedTokenizerStep}).
   */
  public enum SharedTables {
    /** Frozen at the initial values every client and the server share; they never travel. */
    FROZEN,
    /**
     * Lazy Adam (PyTorch's {@code SparseAdam}): the server's step moves only the rows this step's batches used, and
     * only those go back. Bytes grow with the rows a step uses.
     */
    ROWS,
    /**
     * Adam on the whole table, as centralized training does: a row keeps moving by its momentum after its last use,
     * and every row that moved goes back each step. Bytes grow with every row the run has used so far.
     */
    DENSE_ADAM
  }

  /** {@link #syncEvery} value: synchronize at epoch ends only. */
  public static final int EPOCH = Integer.MAX_VALUE;

  /** The paper's MPSL: clients never receive tokenizers, and train them at the server's rate. */
  public static final TokenizerPolicy PAPER = new TokenizerPolicy(0, 1f);

  /** {@code --tokenizer-sync} value that selects {@link #sharedGradients}. */
  public static final String GRADIENTS = "gradients";

  /** Clients keep their own tokenizers, synchronized every {@code syncEvery} steps (0: never). */
  public TokenizerPolicy(int syncEvery, float learningRateScale) {
    this(syncEvery, learningRateScale, false, 0f);
  }

  /** As {@link #TokenizerPolicy(int, float)}, with or without shared tokenizer gradients. */
  public TokenizerPolicy(int syncEvery, float learningRateScale, boolean sharedGradients) {
    this(syncEvery, learningRateScale, sharedGradients, 0f, sharedGradients ? SharedTables.ROWS : SharedTables.FROZEN);
  }

  /** As the canonical constructor, tables trained by rows whenever the gradients are shared. */
  public TokenizerPolicy(int syncEvery, float learningRateScale, boolean sharedGradients, float clientAdversary) {
    this(syncEvery, learningRateScale, sharedGradients, clientAdversary,
        sharedGradients ? SharedTables.ROWS : SharedTables.FROZEN);
  }

  /** This policy with a client-identity adversary of weight λ (0: none). */
  public TokenizerPolicy withClientAdversary(float lambda) {
    return new TokenizerPolicy(syncEvery, learningRateScale, sharedGradients, lambda, tables);
  }

  /**
   * This policy with large tables trained by rows ({@code true}) or frozen; only a policy with shared gradients
   * trains tables this way.
   *
   * @throws IllegalArgumentException for {@code true} without shared gradients
   */
  public TokenizerPolicy withSharedTables(boolean trained) {
    return withSharedTables(trained ? SharedTables.ROWS : SharedTables.FROZEN);
  }

  /** This policy with its large tables trained as {@code mode} says. */
  public TokenizerPolicy withSharedTables(SharedTables mode) {
    return new TokenizerPolicy(syncEvery, learningRateScale, sharedGradients, clientAdversary, mode);
  }

  /** Whether the large tables are trained (by rows, lazily or with dense Adam), not frozen. */
  public boolean sharedTables() {
    return tables != SharedTables.FROZEN;
  }

  /**
   * FedSGD on the tokenizers with the server's tokenizer optimizer at {@code learningRateScale} × the server's rate,
   * large tables included (by rows).
   */
  public static TokenizerPolicy sharedGradients(float learningRateScale) {
    return new TokenizerPolicy(0, learningRateScale, true);
  }

  /**
   * The policy of {@code --tokenizer-sync} ({@code never}, {@code epoch}, K or {@link #GRADIENTS}) and
   * {@code --tokenizer-lr-scale}.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static TokenizerPolicy parse(String sync, float learningRateScale) {
    if (sync.trim().equalsIgnoreCase(GRADIENTS)) {
      return sharedGradients(learningRateScale);
    }
    return new TokenizerPolicy(parseSyncEvery(sync), learningRateScale);
  }

  public TokenizerPolicy {
    if (!(clientAdversary >= 0) || !Float.isFinite(clientAdversary)) {
      throw new IllegalArgumentException("client adversary weight must be a finite number >= 0 but was "
          + clientAdversary + " (use --client-adversary)");
    }
    java.util.Objects.requireNonNull(tables, "tables");
    if (tables != SharedTables.FROZEN && !sharedGradients) {
      throw new IllegalArgumentException("tables are trained by rows only with one shared tokenizer (--shared-tables"
          + " rows needs --tokenizer-sync " + GRADIENTS + ")");
    }
    if (sharedGradients && syncEvery != 0) {
      throw new IllegalArgumentException("shared tokenizer gradients synchronize every step; a sync interval of "
          + syncEvery + " does not go with them");
    }
    if (syncEvery < 0) {
      throw new IllegalArgumentException("tokenizer sync interval must be >= 0 steps but was " + syncEvery
          + " (use --tokenizer-sync never|epoch|K)");
    }
    if (!(learningRateScale >= 0) || !Float.isFinite(learningRateScale)) {
      throw new IllegalArgumentException("tokenizer learning-rate scale must be a finite number >= 0 but was "
          + learningRateScale + " (use --tokenizer-lr-scale)");
    }
  }

  /**
   * Parses {@code never} (0), {@code epoch} or a step count K ≥ 1.
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static int parseSyncEvery(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    switch (v) {
      case "never", "0":
        return 0;
      case "epoch":
        return EPOCH;
      default:
        try {
          int k = Integer.parseInt(v);
          if (k >= 1) {
            return k;
          }
        } catch (NumberFormatException e) {
          // fall through to the error naming the choices
        }
        throw new IllegalArgumentException("tokenizer sync '" + value + "' is not one of never, epoch, " + GRADIENTS
            + " or a step count K >= 1");
    }
  }

  /**
   * Parses {@code --shared-tables}: {@code rows}, {@code dense-adam} or {@code frozen} ({@code auto} is the CLI's).
   *
   * @throws IllegalArgumentException naming the value and the choices
   */
  public static SharedTables parseSharedTables(String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "rows" -> SharedTables.ROWS;
      case "dense-adam" -> SharedTables.DENSE_ADAM;
      case "frozen" -> SharedTables.FROZEN;
      default -> throw new IllegalArgumentException("--shared-tables '" + value
          + "' is not one of rows, dense-adam, frozen, auto");
    };
  }

  /** Whether clients ever receive tokenizers from the server. */
  public boolean syncs() {
    return syncEvery > 0 || sharedGradients;
  }

  /**
   * Whether to synchronize after training step {@code stepInEpoch} (0-based) of an epoch of
   * {@code stepsPerEpoch} steps. Never after the last one: the epoch end averages (and sends back) anyway.
   */
  public boolean syncAfter(int stepInEpoch, int stepsPerEpoch) {
    return syncEvery > 0 && syncEvery != EPOCH && (stepInEpoch + 1) % syncEvery == 0 && stepInEpoch + 1 < stepsPerEpoch;
  }

  /**
   * The client learning rate that goes with the server's {@code serverRate} (with shared gradients the
   * rate of the server's tokenizer optimizer; clients then take no step of their own).
   */
  public float clientLearningRate(float serverRate) {
    return serverRate * learningRateScale;
  }

  @Override
  public String toString() {
    String adversary = clientAdversary > 0 ? ", client adversary λ=" + clientAdversary : "";
    if (sharedGradients) {
      String how = switch (tables) {
        case ROWS -> "by rows";
        case DENSE_ADAM -> "by rows, dense Adam";
        case FROZEN -> "frozen";
      };
      return "shared tokenizer (FedSGD on its gradients, large tables " + how
          + "), tokenizer lr x" + learningRateScale + adversary;
    }
    String sync = syncEvery == 0 ? "never" : syncEvery == EPOCH ? "epoch" : "every " + syncEvery + " steps";
    return "sync " + sync + ", client lr x" + learningRateScale + adversary;
  }
}
