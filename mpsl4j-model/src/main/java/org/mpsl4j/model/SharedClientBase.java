package org.mpsl4j.model;

import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The initial client model of a run, built once and read by every client of one process: the base of
 * their text embedding tables. Every client of a run starts from the same model (one config, one
 * seed), so a simulation of N clients need not hold N copies of a 30,522 × 384 word-embedding table:
 * each client's {@link ClientModel#ClientModel(NDManager, SharedClientBase)} keeps only the rows its
 * own updates changed, with their Adam moments ({@link org.mpsl4j.model.nn.RowDeltaTable}). The base
 * itself is never written.
 *
 * <p>Owns its native memory; close it after every client built from it is closed. Thread-safe for
 * reading.
 */
public final class SharedClientBase implements AutoCloseable {
  private final NDManager manager;
  private final ClientModel template;
  private final long seed;

  /** Builds the initial model of {@code config} from {@code seed}, as a client would. */
  public SharedClientBase(ModelConfig config, long seed) {
    manager = NDManager.newBaseManager();
    template = new ClientModel(manager, config, new Random(seed));
    this.seed = seed;
  }

  /** The seed the initial model was drawn from (clients of another seed cannot share it). */
  public long seed() {
    return seed;
  }

  public ModelConfig config() {
    return template.config();
  }

  /** The initial model: do not train or write it. Its values are the reference of uploads by rows. */
  public ClientModel template() {
    return template;
  }

  /**
   * Which client parameters each client holds a copy of and which it reads from the shared base
   * (storing only the rows it trains): name → "per client" or "shared base + per-client rows".
   */
  public Map<String, String> placement() {
    Map<String, String> out = new LinkedHashMap<>();
    ClientModel probe;
    try (NDManager scratch = manager.newSubManager()) {
      probe = new ClientModel(scratch, this);
      probe.namedParameters().forEach((n, p) -> out.put(n, "per client" + (p.isTrainable() ? "" : " (frozen)")));
      probe.namedTables().forEach((n, t) -> out.put(n, t.isTrainable()
          ? "shared base, trained rows per client" : "shared base, frozen (read-only)"));
    }
    return out;
  }

  @Override
  public void close() {
    manager.close();
  }
}
