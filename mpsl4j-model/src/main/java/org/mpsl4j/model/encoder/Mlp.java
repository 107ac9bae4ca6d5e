package org.mpsl4j.model.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import java.util.Random;
import org.mpsl4j.model.EncoderConfig;
import org.mpsl4j.model.Module;
import org.mpsl4j.model.nn.Linear;

/** fc2(GELU(fc1(x))), with the exact (erf) GELU that BERT and ViT use. */
public final class Mlp extends Module {
  private final Linear fc1;
  private final Linear fc2;

  public Mlp(NDManager manager, EncoderConfig config, Random rng) {
    fc1 = addChild("fc1", new Linear(manager, config.width(), config.mlpHidden(), rng));
    fc2 = addChild("fc2", new Linear(manager, config.mlpHidden(), config.width(), rng));
  }

  public NDArray forward(NDArray x) {
    return fc2.forward(Activation.gelu(fc1.forward(x)));
  }
}
