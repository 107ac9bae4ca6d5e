package org.mpsl4j.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed pool of daemon threads that adds up the CPU time its tasks take (each task's thread CPU time,
 * read before and after it). The B2 benchmark runs its simulated clients' gRPC callbacks here, which is
 * all of their compute, so it can say how much of a step's wall time the clients themselves cost on
 * the shared cores. The caller shuts it down.
 */
final class CpuCountingPool extends ThreadPoolExecutor {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final ThreadLocal<long[]> start = ThreadLocal.withInitial(() -> new long[1]);

  CpuCountingPool(int threads) {
    super(threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "b2-client");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  protected void beforeExecute(Thread t, Runnable r) {
    start.get()[0] = THREADS.getCurrentThreadCpuTime();
  }

  @Override
  protected void afterExecute(Runnable r, Throwable t) {
    cpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - start.get()[0]);
  }

  /** CPU nanoseconds of all tasks finished so far. */
  long cpuNanos() {
    return cpuNanos.get();
  }
}
