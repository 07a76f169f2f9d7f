package dev.tailor.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tailor} command line. Each subcommand is a small class in this package. */
@Command(name = "tailor", mixinStandardHelpOptions = true, version = "tailor 0.1.0",
        description = "Fine-tune large language models on the JVM.",
        subcommands = {
                CommandLine.HelpCommand.class,
                BenchCommand.class,
                GenerateCommand.class,
                ChatCommand.class,
                EvalCommand.class,
                InitModelCommand.class,
                ScalingCommand.class,
                SelfInstructCommand.class,
                TrainCommand.class,
                CompareCommand.class,
                TokenizeCommand.class,
                TemplateCommand.class,
                MergeCommand.class,
                TrainTokenizerCommand.class,
                DemoCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }

    @Override public void run() { spec.commandLine().usage(System.out); }
}
