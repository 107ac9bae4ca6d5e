package org.mpsl4j.engine.baselines;

import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.mpsl4j.core.step.ServerSplitStep;
import org.mpsl4j.model.ClientModel;
import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.ServerModel;
import org.mpsl4j.model.train.Adam;

/**
 * One server-side model and its optimizer, serving split steps through the core {@link
 * ServerSplitStep}: SplitFed v1 keeps one per client, SplitFed v2 and sequential SL one in all.
 */
public final class ServerPart {
  private final ServerModel model;
  private final ServerSplitStep step;

  /** Builds the server part every method starts from with {@code seed} (tokenizers are drawn first, then discarded). */
  public ServerPart(NDManager manager, ModelConfig config, long seed, float learningRate) {
    Random rng = new Random(seed);
    try (NDManager discard = manager.newSubManager()) {
      new ClientModel(discard, config, rng);
    }
    model = new ServerModel(manager, config, rng);
    step = new ServerSplitStep(model, new Adam(manager, learningRate));
  }

  public ServerModel model() {
    return model;
  }

  /** The server half of a split step on this part. */
  public ServerSplitStep step() {
    return step;
  }

  /** Bytes of parameters and Adam moments (two per trained parameter) this part keeps. */
  public long stateBytes() {
    return ParameterSets.bytes(model.namedParameters()) + 2 * ParameterSets.bytes(model.trainableParameters());
  }
}
