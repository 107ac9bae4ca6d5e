package org.mpsl4j.engine.baselines;

import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.macs.MacCounter;
import org.mpsl4j.model.macs.MacReport;

/**
 * FedAvg (McMahan et al., 2017) as the MPSL paper runs it: every client trains the whole trainable
 * model (tokenizers, fine-tuned encoder blocks, head) for one local epoch with its own mini-batch;
 * the server averages the uploads weighted by sample count. Only trainable parameters travel.
 */
public final class FedAvg extends FederatedStrategy {
  public FedAvg(Experiment x) {
    super(factory(x.model()), x.seed(), 1, new LocalTrainingDeadline(x.deadline(), x.clientBatch(), x.threads()));
    scoreBy(org.mpsl4j.model.train.Objective.of(x.model().head()));
  }

  /** The local model of every FedAvg client (and the server's global model). */
  public static LocalModel.Factory factory(ModelConfig config) {
    return (manager, seed) -> new WholeModel(manager, config, seed);
  }

  public static FederatedClient client(Experiment x, int i) {
    return new FederatedClient("client-" + i, x.model(), factory(x.model()), x.seed(), x.data().train(),
        x.partition().client(i), x.clientBatch(), x.dataSeed(i), x.learningRate());
  }

  /** A client runs the whole model: client MACs are the whole model's, forward and backward. */
  public static MacReport clientMacs(ModelConfig config) {
    MacReport m = MacCounter.count(config);
    return new MacReport(m.wholeForward(), m.wholeTraining() - m.wholeForward(), 0, 0);
  }
}
