package org.mpsl4j.cli.report;

import java.util.List;
import java.util.Optional;
import org.mpsl4j.engine.baselines.Method;
import org.mpsl4j.engine.baselines.MethodResult;

/**
 * One row of the comparison table, derived from a {@link MethodResult} only (no figure is made up).
 *
 * @param fedAvgMacRatio FedAvg's client MACs over this method's (how many times lighter a client is);
 *     empty if FedAvg did not run or the method has no clients
 * @param label the row's name: the method's, or an MPSL codec variant's (e.g. {@code MPSL int8/int8})
 * @param missedReplies client replies that missed their deadline or were refused, over the run
 * @param failure why the method did not train, or null ({@link MethodResult#failure})
 */
public record Summary(Method method, double finalAccuracy, double bestAccuracy, long clientTrainingMacs,
    Optional<Double> fedAvgMacRatio, double bytesUpPerClientPerEpoch, double bytesDownPerClientPerEpoch,
    long serverStateBytes, double wallSeconds, String label, int missedReplies, String failure) {

  public static List<Summary> of(List<MethodResult> results) {
    Optional<Long> fedAvg = results.stream().filter(r -> r.method() == Method.FEDAVG)
        .map(MethodResult::clientTrainingMacs).findFirst();
    return results.stream().map(r -> new Summary(r.method(), r.finalAccuracy(), r.bestAccuracy(), r.clientTrainingMacs(),
        r.method().hasClients() && r.clientTrainingMacs() > 0 ? fedAvg.map(f -> (double) f / r.clientTrainingMacs())
            : Optional.empty(),
        r.meanBytesUpPerClientPerEpoch(), r.meanBytesDownPerClientPerEpoch(), r.serverStateBytes(), r.wallSeconds(),
        r.label(), r.missedReplies(), r.failure()))
        .toList();
  }
}
