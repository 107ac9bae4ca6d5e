package org.mpsl4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code mpsl4j} launcher. */
@Command(
    name = "mpsl4j",
    mixinStandardHelpOptions = true,
    version = "mpsl4j 0.1.0-SNAPSHOT",
    description = "Multimodal parallel split learning on the JVM.",
    subcommands = {QuickstartCommand.class, SimulateCommand.class, PredictCommand.class, EvaluateCommand.class, ServerCommand.class, ServerDataCommand.class, ClientCommand.class, CertsCommand.class, CompareCommand.class, ScalingCommand.class, DataCommand.class, MacsCommand.class, BenchCommand.class, PrivacyCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      // Users get the message that says what is wrong; the trace only with --debug-style env var.
      cmd.getErr().println("error: " + ex.getMessage());
      if (System.getenv("MPSL4J_DEBUG") != null) {
        ex.printStackTrace(cmd.getErr());
      }
      // A missing dataset is the user's setup, not a failure of the run: its message says how to fix it.
      return ex instanceof org.mpsl4j.data.DataUnavailableException ? 2 : 1;
    });
    // A bad option value is one line that names it, not the whole usage text under it.
    cli.setParameterExceptionHandler((ex, args) -> {
      CommandLine cmd = ex.getCommandLine();
      cmd.getErr().println("error: " + ex.getMessage());
      cmd.getErr().println("(see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
      return cmd.getCommandSpec().exitCodeOnInvalidInput();
    });
    return cli;
  }

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }
}
