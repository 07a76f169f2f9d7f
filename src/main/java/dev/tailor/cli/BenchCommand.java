package dev.tailor.cli;

import picocli.CommandLine.Command;

/** {@code tailor bench ...}: performance measurements. Each benchmark is a subcommand. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the engine's speed (GEMM, training steps, decoding).",
        subcommands = {
                BenchGemmCommand.class,
                BenchQuantCommand.class,
                BenchDecodeCommand.class,
                BenchTrainCommand.class,
        })
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }
}
