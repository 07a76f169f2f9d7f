package dev.tailor.cli;

import dev.tailor.demo.DemoData;
import dev.tailor.demo.DemoReport;
import dev.tailor.demo.DemoRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tailor demo}: fine-tunes the small base model that ships with Tailor on the bundled
 * instruction rows with LoRA, and prints what changed, every figure measured on both models.
 * Progress goes to stderr, the report to stdout (and into the output folder).
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune the bundled base model with LoRA on the bundled instruction rows (a few minutes on 2 cores) "
                + "and show what changed: eval loss, instruction-following before and after, sample answers."})
public final class DemoCommand implements Callable<Integer> {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    /** The base model's folder under the Tailor checkout. */
    static final String BASE = "demo/base";

    @Option(names = "--model", description = "base model folder (default: demo/base of the Tailor checkout)") Path model;
    @Option(names = "--steps", defaultValue = "" + Defaults.STEPS, description = "optimizer steps (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--output", defaultValue = "runs/demo",
            description = "folder for the adapter, metrics, loss curve and report (default: ${DEFAULT-VALUE})") Path output;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the adapter's initialisation and the data order (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--batch-size", defaultValue = "" + Defaults.BATCH, description = "rows per step (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--lr", defaultValue = "" + Defaults.LR, description = "peak learning rate (default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--rank", defaultValue = "" + Defaults.RANK, description = "LoRA rank r (default: ${DEFAULT-VALUE})") int rank;
    @Option(names = "--lora-alpha", defaultValue = "" + Defaults.ALPHA, description = "LoRA alpha (default: ${DEFAULT-VALUE})") double alpha;

    /** The settings chosen for the bundled base model (see the demo README for how they were picked). */
    static final class Defaults {
        static final int STEPS = 150, BATCH = 16, RANK = 16;
        static final double LR = 2e-3, ALPHA = 32;
        static final int MAX_NEW_TOKENS = 8, GENERATION_BATCH = 50;

        private Defaults() {}
    }

    @Override public Integer call() throws IOException {
        Path base = model != null ? model : baseModel();
        long t0 = System.nanoTime();
        DemoRun.prepareOutput(output);
        var settings = new DemoRun.Settings(steps, batchSize, lr, rank, alpha, seed, Defaults.MAX_NEW_TOKENS, Defaults.GENERATION_BATCH,
                Math.max(1, steps / 3));
        DemoReport report = DemoRun.run(base, DemoData.bundled(), output, settings, System.err, System.console() != null);
        PrintWriter out = spec.commandLine().getOut();
        out.println();
        out.print(report.format());
        out.printf(Locale.ROOT, "The whole demo took %.0f s.%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }

    /** {@code demo/base} under the checkout the launcher names (-Dtailor.home), else under the working directory. */
    static Path baseModel() {
        String home = System.getProperty("tailor.home");
        Path dir = (home == null ? Path.of("") : Path.of(home)).resolve(BASE).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("no base model in " + dir + " (expected config.json, model.safetensors and the tokenizer there, "
                    + "as committed with Tailor); pass one with --model DIR, e.g. a model made by "
                    + "'tailor init-model --arch llama --preset demo --tokenizer src/main/resources/demo/tokenizer --output DIR'");
        }
        return dir;
    }
}
