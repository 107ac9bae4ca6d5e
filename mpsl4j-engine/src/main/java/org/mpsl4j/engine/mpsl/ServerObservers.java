package org.mpsl4j.engine.mpsl;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** The observers of one server, called in registration order; a failing observer is reported once and skipped. */
final class ServerObservers implements ServerObserver {
  private final List<ServerObserver> observers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean failureReported = new AtomicBoolean();

  void add(ServerObserver o) {
    observers.add(o);
  }

  private void each(Consumer<ServerObserver> call) {
    for (ServerObserver o : observers) {
      try {
        call.accept(o);
      } catch (RuntimeException e) {
        if (failureReported.compareAndSet(false, true)) {
          System.err.println("mpsl4j server: an observer (" + o.getClass().getSimpleName() + ") failed, training goes"
              + " on: " + e);
        }
      }
    }
  }

  @Override
  public void joined(String clientId, boolean rejoin) {
    each(o -> o.joined(clientId, rejoin));
  }

  @Override
  public void left(String clientId, String reason) {
    each(o -> o.left(clientId, reason));
  }

  @Override
  public void rejected(String clientId, String reason, String detail) {
    each(o -> o.rejected(clientId, reason, detail));
  }

  @Override
  public void stepDone(StepReport step) {
    each(o -> o.stepDone(step));
  }

  @Override
  public void epochDone(EpochStats stats) {
    each(o -> o.epochDone(stats));
  }

  @Override
  public void trainingDone() {
    each(ServerObserver::trainingDone);
  }
}
