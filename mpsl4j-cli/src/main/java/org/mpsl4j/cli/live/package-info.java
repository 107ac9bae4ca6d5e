/**
 * Watching a running server: its events on the console ({@link org.mpsl4j.cli.live.ConsoleEvents}), Prometheus metrics
 * and a status page on {@code --http-port} ({@link org.mpsl4j.cli.live.StatusServer}), all fed by the server's
 * {@link org.mpsl4j.engine.mpsl.ServerObserver} events.
 */
package org.mpsl4j.cli.live;
