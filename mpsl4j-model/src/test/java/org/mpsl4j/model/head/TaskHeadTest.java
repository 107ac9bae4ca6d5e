package org.mpsl4j.model.head;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.mpsl4j.model.Autograd;
import org.mpsl4j.model.HeadConfig;

/** What a head's forward leaves behind: its results belong to the caller's scope, not to the head's manager. */
class TaskHeadTest {
  /**
   * A projection head's forward (recorded, as in training) leaves no array in the manager that holds the head's
   * parameters, which lives for the whole run: its √s factor was once computed from the scale parameter itself and
   * stayed there, three arrays per forward (issue 18). The output is still the unit vector times √s.
   */
  @Test
  void projectionForward_leavesNoArrayInTheHeadsManager() {
    try (NDManager m = NDManager.newBaseManager()) {
      TaskHead head = new TaskHead(m, HeadConfig.projection(4), 6, 1e-6f, new Random(3));
      int held = m.getManagedArrays().size();
      for (int step = 0; step < 3; step++) {
        try (NDManager scope = m.newSubManager(); Autograd.Recording r = Autograd.record()) {
          NDArray out = head.forward(scope.randomNormal(new Shape(2, 6)));
          float norm = out.get(0).square().sum().sqrt().getFloat();
          assertThat(norm * norm).isCloseTo(1 / 0.07f, org.assertj.core.data.Offset.offset(1e-3f));
        }
        assertThat(m.getManagedArrays()).as("arrays held after forward " + step).hasSize(held);
      }
    }
  }
}
