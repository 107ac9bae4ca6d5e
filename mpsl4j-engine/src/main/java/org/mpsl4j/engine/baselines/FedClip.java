package org.mpsl4j.engine.baselines;

import org.mpsl4j.model.ModelConfig;
import org.mpsl4j.model.macs.MacReport;

/**
 * FedCLIP-style adapters (Lu et al., 2023): the encoder is frozen and never travels; each client
 * trains its tokenizers, one small {@link AttentionAdapter} per modality and the head, and the server
 * averages exactly those (sample-weighted). Traffic is far below FedAvg's, compute is not: a client
 * still runs the whole encoder forward, and backward through it to reach its tokenizers.
 *
 * <p>Pooling: the adapters read each modality's encoder output pooled as the shared config says, like
 * every other method of a comparison (issue #17: FedCLIP used to pool by mean while the others used CLS).
 * FedCLIP assumes a pretrained encoder; with a frozen randomly initialized pre-norm encoder the CLS output
 * carries almost no sample information (its only sample-dependent part passes through tiny frozen attention
 * weights). Measured on 2,000 MNIST images, one client, 3 epochs, width 32, 1 block: CLS pooling 11.6 % test
 * accuracy (loss stuck at ln 10), mean pooling 57.8 %. So comparisons with a scratch encoder pool by mean
 * ({@code compare --pooling mean}, its default).
 */
public final class FedClip extends FederatedStrategy {
  public FedClip(Experiment x) {
    super(factory(x.model()), x.seed(), 1, new LocalTrainingDeadline(x.deadline(), x.clientBatch(), x.threads()));
    scoreBy(org.mpsl4j.model.train.Objective.of(x.model().head()));
  }

  /** Adapter hidden width: the feature width, as in FedCLIP's reference adapter. */
  public static int adapterHidden(ModelConfig config) {
    return config.encoder().width();
  }

  public static LocalModel.Factory factory(ModelConfig config) {
    return (manager, seed) -> new AdapterModel(manager, config, adapterHidden(config), config.pooling(), seed);
  }

  public static FederatedClient client(Experiment x, int i) {
    return new FederatedClient("client-" + i, x.model(), factory(x.model()), x.seed(), x.data().train(),
        x.partition().client(i), x.clientBatch(), x.dataSeed(i), x.learningRate());
  }

  public static MacReport clientMacs(ModelConfig config) {
    return AdapterModel.macs(config, adapterHidden(config));
  }
}
