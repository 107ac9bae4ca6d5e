package org.mpsl4j.core.cut;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.mpsl4j.model.tokenizer.Tokens;

/**
 * The server's input of one step: the contributors in order and, per model input, their activations
 * joined along the batch (a client without a mask for a text input counts as all real tokens).
 *
 * @param members who contributed how many rows, in row order
 */
public record CutBatch(List<Member> members, List<Tokens> inputs) {
  /** One contributor: rows {@code [row, row + batch)} of the joined batch. */
  public record Member(String client, int row, int batch) {}

  public CutBatch {
    members = List.copyOf(members);
    inputs = List.copyOf(inputs);
  }

  /** B, the joined batch size. */
  public int totalBatch() {
    return members.isEmpty() ? 0 : members.get(members.size() - 1).row() + members.get(members.size() - 1).batch();
  }

  /** Joins {@code parts} (at least one, all with the same inputs) in their order. */
  public static CutBatch join(List<CutActivations> parts, NDManager scope) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a step needs at least one client's activations");
    }
    List<Member> members = new ArrayList<>();
    int row = 0;
    for (CutActivations a : parts) {
      members.add(new Member(a.client(), row, a.batch()));
      row += a.batch();
    }
    int inputs = parts.get(0).inputs().size();
    List<Tokens> joined = new ArrayList<>();
    for (int m = 0; m < inputs; m++) {
      List<NDArray> values = new ArrayList<>();
      List<NDArray> masks = new ArrayList<>();
      boolean anyMask = false;
      for (CutActivations a : parts) {
        if (a.inputs().size() != inputs) {
          throw new IllegalArgumentException("client '" + a.client() + "' sent " + a.inputs().size() + " inputs but '"
              + parts.get(0).client() + "' sent " + inputs);
        }
        Tokens t = a.inputs().get(m);
        values.add(t.values());
        masks.add(t.mask());
        anyMask |= t.mask() != null;
      }
      NDArray mask = null;
      if (anyMask) {
        List<NDArray> filled = new ArrayList<>();
        for (int i = 0; i < masks.size(); i++) {
          Shape v = values.get(i).getShape();
          filled.add(masks.get(i) != null ? masks.get(i) : scope.ones(new Shape(v.get(0), v.get(1))));
        }
        mask = concat(filled);
      }
      joined.add(new Tokens(concat(values), mask));
    }
    return new CutBatch(members, joined);
  }

  /** The parts joined along the first (batch) dimension; a single part as it is, without a copy. */
  public static NDArray concat(List<NDArray> parts) {
    return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 0);
  }
}
