package org.mpsl4j.core.cut;

import java.util.List;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * One client's cut-layer activations Aᵢ for one step: per model input (in model order) the tokens
 * {@code bᵢ × T × d} and, for text inputs, the padding mask. The arrays belong to the step's scope.
 *
 * @param client the client id
 * @param batch bᵢ, the client's mini-batch size (the first dimension of every input)
 */
public record CutActivations(String client, int batch, List<Tokens> inputs) {
  public CutActivations {
    if (batch < 1) {
      throw new IllegalArgumentException("client '" + client + "': batch must be >= 1 but was " + batch);
    }
    inputs = List.copyOf(inputs);
    for (Tokens t : inputs) {
      if (t.batch() != batch) {
        throw new IllegalArgumentException("client '" + client + "': an input has " + t.batch() + " rows but the batch"
            + " is " + batch);
      }
    }
  }
}
