package org.mpsl4j.privacy.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mpsl4j.protocol.v1.Activations;
import org.mpsl4j.protocol.v1.ClientMessage;
import org.mpsl4j.protocol.v1.CutGrad;
import org.mpsl4j.protocol.v1.OutputGrad;
import org.mpsl4j.protocol.v1.Outputs;
import org.mpsl4j.protocol.v1.ServerMessage;
import org.mpsl4j.protocol.v1.StepBegin;
import org.mpsl4j.protocol.v1.TokenizerWeights;

/**
 * One client's recorded session as training steps: for each global step the client took part in, the StepBegin the
 * server sent, the client's activations, the outputs sent back, the client's output gradient (with its loss and
 * correct count) and the cut gradient sent back; and the client's epoch-end tokenizer uploads. Immutable.
 */
public record ClientTranscript(String clientId, List<Step> steps, List<TokenizerWeights> uploads) {
  /** One training step of this client, as the server saw it; a field is null where that message is missing. */
  public record Step(long step, StepBegin begin, Activations activations, Outputs outputs, OutputGrad outputGrad,
      CutGrad cutGrad) {
    /** Whether every message of the step is there (the client was not left out). */
    public boolean complete() {
      return begin != null && activations != null && outputs != null && outputGrad != null && cutGrad != null;
    }
  }

  /** Groups one session's messages by step. */
  public static ClientTranscript of(String clientId, List<WireTap.Message> messages) {
    Map<Long, StepBegin> begins = new TreeMap<>();
    Map<Long, Activations> acts = new TreeMap<>();
    Map<Long, Outputs> outs = new TreeMap<>();
    Map<Long, OutputGrad> grads = new TreeMap<>();
    Map<Long, CutGrad> cuts = new TreeMap<>();
    List<TokenizerWeights> uploads = new ArrayList<>();
    for (WireTap.Message m : messages) {
      if (m.isInbound()) {
        ClientMessage c = m.inbound();
        switch (c.getBodyCase()) {
          case ACTIVATIONS -> acts.put(c.getStep(), c.getActivations());
          case OUTPUT_GRAD -> grads.put(c.getStep(), c.getOutputGrad());
          case TOKENIZER_WEIGHTS -> uploads.add(c.getTokenizerWeights());
          default -> { }
        }
      } else {
        ServerMessage s = m.outbound();
        switch (s.getBodyCase()) {
          case STEP_BEGIN -> begins.put(s.getStep(), s.getStepBegin());
          case OUTPUTS -> outs.put(s.getStep(), s.getOutputs());
          case CUT_GRAD -> cuts.put(s.getStep(), s.getCutGrad());
          default -> { }
        }
      }
    }
    List<Step> steps = new ArrayList<>();
    for (long step : acts.keySet()) {
      steps.add(new Step(step, begins.get(step), acts.get(step), outs.get(step), grads.get(step), cuts.get(step)));
    }
    return new ClientTranscript(clientId, List.copyOf(steps), List.copyOf(uploads));
  }

  /** Every recorded session of a tap, by client id in id order. */
  public static Map<String, ClientTranscript> all(WireTap tap) {
    Map<String, ClientTranscript> out = new TreeMap<>();
    tap.sessions().forEach((id, messages) -> out.put(id, of(id, messages)));
    return out;
  }
}
