/** The {@code mpsl4j} command line (picocli): one subcommand per job, each a thin layer over the engine. */
package org.mpsl4j.cli;
