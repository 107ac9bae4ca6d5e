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
 * correct count) and the cut gradient sent back; and the client's tokenizer uploads of weights (at epoch ends or
 * periodic synchronizations; the tokenizer gradients of {@code --tokenizer-sync gradients} are not among them). Immutable.
 */
public record ClientTranscript(String clientId, List<Step> steps, List<TokenizerWeights> uploads) {
  /**
   * One training step of this client, as the server saw it; a field is null where that message is missing.
   * {@code globalBefore}: the newest global tokenizers the server sent this session before the step (with one shared
   * tokenizer, {@code --tokenizer-sync gradients}, the very weights the client's activations were computed with), or
   * null.
   */
  public record Step(long step, StepBegin begin, Activations activations, Outputs outputs, OutputGrad outputGrad,
      CutGrad cutGrad, TokenizerWeights globalBefore) {
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
    TreeMap<Long, TokenizerWeights> globals = new TreeMap<>();
    Map<Long, TokenizerWeights> sent = new TreeMap<>();
    java.util.Set<Long> gradientSteps = new java.util.HashSet<>();
    for (WireTap.Message m : messages) {
      if (m.isInbound()) {
        ClientMessage c = m.inbound();
        switch (c.getBodyCase()) {
          case ACTIVATIONS -> acts.put(c.getStep(), c.getActivations());
          case OUTPUT_GRAD -> grads.put(c.getStep(), c.getOutputGrad());
          case TOKENIZER_WEIGHTS -> sent.put(c.getStep(), c.getTokenizerWeights());
          default -> { }
        }
      } else {
        ServerMessage s = m.outbound();
        switch (s.getBodyCase()) {
          case STEP_BEGIN -> begins.put(s.getStep(), s.getStepBegin());
          case OUTPUTS -> outs.put(s.getStep(), s.getOutputs());
          case CUT_GRAD -> cuts.put(s.getStep(), s.getCutGrad());
          case GLOBAL_TOKENIZERS -> globals.put(s.getStep(), s.getGlobalTokenizers());
          case TOKENIZER_SYNC -> {
            if (s.getTokenizerSync().getGradients()) {
              gradientSteps.add(s.getStep()); // the answer is a step's tokenizer gradient, not an upload of weights
            }
          }
          default -> { }
        }
      }
    }
    List<TokenizerWeights> uploads = new ArrayList<>();
    sent.forEach((step, w) -> {
      if (!gradientSteps.contains(step)) {
        uploads.add(w);
      }
    });
    List<Step> steps = new ArrayList<>();
    for (long step : acts.keySet()) {
      Map.Entry<Long, TokenizerWeights> global = globals.lowerEntry(step);
      steps.add(new Step(step, begins.get(step), acts.get(step), outs.get(step), grads.get(step), cuts.get(step),
          global == null ? null : global.getValue()));
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
