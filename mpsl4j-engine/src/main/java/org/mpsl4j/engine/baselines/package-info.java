/**
 * MPSL and its baselines side by side, on one model, data set, partition and seed.
 *
 * <p>{@link org.mpsl4j.engine.baselines.MethodRunner#run} runs one {@link org.mpsl4j.engine.baselines.Method}
 * on an {@link org.mpsl4j.engine.baselines.Experiment} and returns a
 * {@link org.mpsl4j.engine.baselines.MethodResult}, so a report treats all methods alike. MPSL enters
 * through {@code sim.Simulation}, centralized training through {@code centralized.CentralizedTrainer};
 * the federated and split baselines are {@link org.mpsl4j.engine.baselines.Strategy} implementations
 * that {@link org.mpsl4j.engine.baselines.RoundLoop} drives round by round.
 *
 * <p>Every baseline exchanges real {@code mpsl.proto} messages through a {@link org.mpsl4j.engine.baselines.Grid}:
 * the in-process gRPC transport for runs ({@code GrpcGrid}), or a direct in-memory twin for tests
 * ({@code DirectGrid}). Bytes are counted from serialized messages on the server side, exactly as
 * the MPSL server counts them. {@link org.mpsl4j.engine.baselines.ScalingStudy} runs methods through
 * {@code MethodRunner} over a series of encoder shapes to measure how their traffic grows.
 */
package org.mpsl4j.engine.baselines;
