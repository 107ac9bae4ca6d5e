/**
 * Benchmarks run by the {@code mpsl4j bench} command. Each measures repeated iterations after a
 * warm-up and reports the distribution, never a single timing; compare ratios measured in one run.
 */
package org.mpsl4j.bench;
