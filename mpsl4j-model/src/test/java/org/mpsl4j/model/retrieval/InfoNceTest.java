package org.mpsl4j.model.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;

/** The symmetric InfoNCE loss on pairs whose value can be worked out by hand. */
final class InfoNceTest {

  @Test
  void loss_ofIndistinguishablePairs_isLogOfTheBatch() {
    // Every similarity equal: each of the B candidates is as likely, in both directions: loss = ln B.
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray same = m.ones(new Shape(4, 6)).div(m.create((float) Math.sqrt(3)));
      assertThat(InfoNce.loss(same).getFloat()).isCloseTo((float) Math.log(4), within(1e-5f));
    }
  }

  @Test
  void loss_ofOrthonormalPairs_matchesTheClosedForm() {
    // Pair i = (e_i, e_i)/√t as a head at temperature t outputs them: own logit 1/t, others 0; each
    // direction's cross-entropy is -log(e^{1/t} / (e^{1/t} + (B-1))), and both directions are equal.
    try (NDManager m = NDManager.newBaseManager()) {
      int b = 3;
      double t = InfoNce.INITIAL_TEMPERATURE;
      NDArray eye = m.eye(b).div(m.create((float) Math.sqrt(t)));
      NDArray outputs = ai.djl.ndarray.NDArrays.concat(new ai.djl.ndarray.NDList(eye, eye), 1);
      double expected = -Math.log(Math.exp(1 / t) / (Math.exp(1 / t) + (b - 1)));
      assertThat((double) InfoNce.loss(outputs).getFloat()).isCloseTo(expected, within(1e-5));
      assertThat(InfoNce.matches(outputs)).isEqualTo(b);
    }
  }

  @Test
  void gradient_pullsPartnersTogether() {
    // d loss / d first_i has a negative component along second_i: a gradient step raises the own similarity.
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray outputs = Autograd.leaf(m.randomNormal(new Shape(5, 8)).div(m.create(2f)));
      try (Autograd.Recording r = Autograd.record()) {
        Autograd.backward(InfoNce.loss(outputs));
      }
      NDArray g = outputs.getGradient();
      float along = PairEmbeddings.first(g).mul(PairEmbeddings.second(outputs)).sum().getFloat();
      assertThat(along).isNegative();
    }
  }
}
