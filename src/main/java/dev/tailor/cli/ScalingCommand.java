package dev.tailor.cli;

import picocli.CommandLine.Command;

/** {@code tailor scaling ...}: fine-tuning scaling laws. */
@Command(name = "scaling", mixinStandardHelpOptions = true,
        description = "Fit and use the joint fine-tuning scaling law L(X, D) = A·X^-alpha·D^-beta + E.",
        subcommands = {
                ScalingFitCommand.class,
                ScalingSweepCommand.class,
        })
public final class ScalingCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }
}
