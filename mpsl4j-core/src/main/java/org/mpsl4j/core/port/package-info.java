/**
 * The transport port and the loop of one step over it. {@link org.mpsl4j.core.port.Cohort} is how the
 * server reaches its clients (gRPC in {@code mpsl4j-engine}, {@link
 * org.mpsl4j.core.port.InMemoryCohort} here); {@link org.mpsl4j.core.port.SplitStepRunner} runs one
 * step over it with deadlines and dropouts, whatever the method; {@link org.mpsl4j.core.port.Ticker}
 * is the injected clock of those deadlines.
 */
package org.mpsl4j.core.port;
