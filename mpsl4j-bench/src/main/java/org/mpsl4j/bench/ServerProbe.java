package org.mpsl4j.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Server;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mpsl4j.engine.grpc.TcpTransport;
import org.mpsl4j.engine.mpsl.MpslServer;

/**
 * The MPSL server of one B2 configuration as a process of its own, so that its memory is measured
 * apart from the simulated clients (which run in the benchmark's JVM and connect over loopback TCP).
 * Prints {@code PORT <n>} once it listens and, when training is done, {@code RESULT <json>}.
 *
 * <p>Arguments: model clients clientBatch steps seed.
 */
public final class ServerProbe {
  private ServerProbe() {}

  /** What the server process measured. Bytes; seconds. */
  public record Report(int clients, int clientBatch, long idleRss, long peakRssTraining, long rssAfterLastStep,
      long peakRssWithEpochEnd, long liveHeapAfterLastStep, long committedHeap, int optimizerStates,
      boolean peakReset, double[] stepSeconds, double[] stepCpuSeconds, double[] stepJitSeconds,
      int threadsAtLastStep) {}

  public static void main(String[] args) throws Exception {
    String model = args[0];
    int clients = Integer.parseInt(args[1]);
    int clientBatch = Integer.parseInt(args[2]);
    int steps = Integer.parseInt(args[3]);
    long seed = Long.parseLong(args[4]);
    ScaleBenchmark.Setup s = ScaleBenchmark.setup(model, clients, clientBatch, steps, seed);
    List<Long> ends = new ArrayList<>();
    List<Long> cpu = new ArrayList<>();
    List<Long> jit = new ArrayList<>(); // JIT compiler threads' CPU, ns: what a short run spends compiling
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long[] atLast = new long[3];
    int[] threads = new int[1];
    try (MpslServer server = new MpslServer(s.setup().serverConfig(Duration.ofMinutes(10), null), s.config().model(),
        seed)) {
      Server grpc = TcpTransport.serve(server, "127.0.0.1", 0, s.setup().maxMessageBytes());
      System.gc();
      Thread.sleep(300);
      long idle = ProcessMemory.rss();
      boolean reset = ProcessMemory.resetPeak();
      server.onProgress((epoch, step, total) -> {
        ends.add(System.nanoTime());
        cpu.add(os.getProcessCpuTime());
        jit.add(CompilerCpu.nanos());
        System.out.println("STEP " + step); // the benchmark reads its clients' CPU time at each step end
        System.out.flush();
        if (step == steps - 1) {
          atLast[0] = ProcessMemory.peakRss();
          atLast[1] = ProcessMemory.rss();
          System.gc();
          atLast[2] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          threads[0] = ManagementFactory.getThreadMXBean().getThreadCount();
        }
      });
      System.out.println("PORT " + grpc.getPort());
      System.out.flush();
      long start = System.nanoTime();
      long cpuStart = os.getProcessCpuTime();
      long jitStart = CompilerCpu.nanos();
      server.train(e -> { });
      long peakAll = ProcessMemory.peakRss();
      double[] seconds = new double[ends.size()];
      double[] cpuSeconds = new double[ends.size()];
      long prev = start;
      long prevCpu = cpuStart;
      double[] jitSeconds = new double[ends.size()];
      long prevJit = jitStart;
      for (int i = 0; i < seconds.length; i++) {
        seconds[i] = (ends.get(i) - prev) / 1e9;
        cpuSeconds[i] = (cpu.get(i) - prevCpu) / 1e9;
        prev = ends.get(i);
        prevCpu = cpu.get(i);
        jitSeconds[i] = (jit.get(i) - prevJit) / 1e9;
        prevJit = jit.get(i);
      }
      Report r = new Report(clients, clientBatch, idle, atLast[0], atLast[1], peakAll, atLast[2],
          ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(), server.optimizerStateCount(), reset,
          seconds, cpuSeconds, jitSeconds, threads[0]);
      System.out.println("RESULT " + new ObjectMapper().writeValueAsString(r));
      System.out.flush();
      grpc.shutdown();
      if (!grpc.awaitTermination(10, TimeUnit.SECONDS)) {
        grpc.shutdownNow();
      }
    }
    System.exit(0);
  }
}
