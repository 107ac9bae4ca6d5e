/**
 * The {@code compare} command's outputs: every per-epoch figure as JSON and CSV ({@link org.mpsl4j.cli.report.ResultFiles}),
 * PNG plots ({@link org.mpsl4j.cli.report.Plots}) and a Markdown report with one summary table
 * ({@link org.mpsl4j.cli.report.MarkdownReport}), all from the measured {@code MethodResult}s; and the
 * {@code scaling} command's table, JSON, CSV and plot ({@link org.mpsl4j.cli.report.ScalingReport}).
 */
package org.mpsl4j.cli.report;
