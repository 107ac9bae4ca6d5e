package org.mpsl4j.engine.baselines;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.mpsl4j.model.macs.MacReport;

/**
 * The round loop of every baseline, written once: builds the clients, opens the transport, then per
 * round sets the learning rate from the schedule, lets the {@link Strategy} run the round, measures
 * the bytes each client exchanged in it, evaluates the global model on the test split and reports the
 * epoch with the client replies it missed. A round that no client's reply trained stops the method with an
 * {@link UntrainedRoundException}: its model would otherwise be scored as the method's. Closes the transport,
 * the clients and the strategy at the end, whatever happens.
 */
public final class RoundLoop {
  /** How the loop reaches its clients. */
  public enum Transport {
    /** gRPC's in-process transport through the real service and streams (what runs and reports use). */
    GRPC_IN_PROCESS,
    /** Direct calls, same messages and byte counts, no network (tests). */
    DIRECT
  }

  private RoundLoop() {}

  /**
   * @param clients builds client {@code i} of the experiment's partition
   * @param clientMacs what one client computes per sample
   * @param onEpoch sees each epoch's figures as they come
   */
  public static MethodResult run(Method method, Experiment x, Strategy strategy, IntFunction<BaselineClient> clients,
      MacReport clientMacs, Transport transport, Consumer<MethodResult.Epoch> onEpoch)
      throws IOException, InterruptedException {
    long start = System.nanoTime();
    List<BaselineClient> built = new ArrayList<>();
    try (strategy) {
      for (int i = 0; i < x.clients(); i++) {
        built.add(clients.apply(i));
      }
      List<MethodResult.Epoch> epochs = new ArrayList<>();
      Grid grid = transport == Transport.DIRECT ? new DirectGrid(built)
          : new GrpcGrid(built, x.threads(), Duration.ofMinutes(1));
      try {
        for (int round = 0; round < x.epochs(); round++) {
          long[][] before = bytes(grid);
          long t0 = System.nanoTime();
          Strategy.RoundStats stats = strategy.round(round, x.schedule().learningRate(round), grid);
          if (stats.contributions() == 0) {
            String why = untrained(method, round, x, stats);
            throw new UntrainedRoundException(why, new MethodResult(method, epochs, clientMacs.clientForward(),
                clientMacs.clientTraining(), strategy.serverStateBytes(), (System.nanoTime() - start) / 1e9).failed(why));
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          long[][] after = bytes(grid);
          double loss = stats.trainLoss(); // as the server learned it from the wire; NaN if no client reported one
          org.mpsl4j.engine.TestScore score = strategy.score(x.data().test());
          MethodResult.Epoch e = new MethodResult.Epoch(round + 1, loss, score.value(), meanDelta(before, after, 0),
              meanDelta(before, after, 1), seconds, score.recall(), stats.missed());
          epochs.add(e);
          onEpoch.accept(e);
        }
      } finally {
        grid.close();
      }
      return new MethodResult(method, epochs, clientMacs.clientForward(), clientMacs.clientTraining(),
          strategy.serverStateBytes(), (System.nanoTime() - start) / 1e9);
    } finally {
      for (BaselineClient c : built) {
        c.close();
      }
    }
  }

  /** Why a round that trained nothing stops the method: which method, round and deadline, and what to change. */
  static String untrained(Method method, int round, Experiment x, Strategy.RoundStats stats) {
    return method.label() + ", round " + (round + 1) + " of " + x.epochs() + ": no client's reply trained the global "
        + "model (" + stats.missed() + " replies missed the deadline of "
        + java.math.BigDecimal.valueOf(x.deadline().toNanos(), 9).stripTrailingZeros().toPlainString()
        + " s per mini-batch step or were refused), so the method stopped instead of reporting an untrained model; "
        + "raise --deadline-s or look for the clients' errors above";
  }

  private static long[][] bytes(Grid grid) {
    List<String> ids = grid.clients();
    long[][] out = new long[ids.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = grid.bytes(ids.get(i));
    }
    return out;
  }

  private static double meanDelta(long[][] before, long[][] after, int direction) {
    double sum = 0;
    for (int i = 0; i < after.length; i++) {
      sum += after[i][direction] - before[i][direction];
    }
    return after.length == 0 ? 0 : sum / after.length;
  }
}
