package dev.tailor.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.data.DatasetBuilder;
import dev.tailor.data.TokenRow;
import dev.tailor.data.TokenizerEncoder;
import dev.tailor.eval.scaling.ScalingSweep;
import dev.tailor.io.AtomicFile;
import dev.tailor.models.ModelConfig;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.Targets;
import dev.tailor.train.TrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code tailor scaling sweep}: the training runs for {@code scaling fit}, one per data size and
 * method ({@link ScalingSweep}), written as a runs file as each run finishes.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train one run per (data size, method) and write the runs file that 'tailor scaling fit' reads:",
                "{\"x\": trainable parameters, \"d\": training rows (or tokens), \"loss\": held-out loss, \"train_method\", ...} per line.",
                "The method is stored as 'train_method', so 'scaling fit' fits one law across methods (X differs between them)."})
public final class ScalingSweepCommand implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder") Path model;
    @Option(names = "--data", required = true, description = "training file (any format 'tailor train' reads)") Path data;
    @Option(names = "--sizes", required = true, split = ",", description = "training rows per run, e.g. 100,200,400") List<Integer> sizes;
    @Option(names = "--methods", defaultValue = "lora,full", split = ",", description = "methods, e.g. lora,full (default: ${DEFAULT-VALUE})") List<String> methods;
    @Option(names = "--output", required = true, description = "runs file (JSONL) to write") Path output;
    @Option(names = "--eval-data", description = "held-out rows every run is scored on (default: --eval-rows rows held out of --data)") Path evalData;
    @Option(names = "--eval-rows", defaultValue = "50", description = "rows held out of --data when there is no --eval-data (default: ${DEFAULT-VALUE})") int evalRows;
    @Option(names = "--steps-per-row", defaultValue = "0", description = "optimizer steps per training row; 0 = --epochs passes (default: ${DEFAULT-VALUE})") double stepsPerRow;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over each run's rows (default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--d-unit", defaultValue = "rows", description = "what D counts: rows or tokens (counted label tokens) (default: ${DEFAULT-VALUE})") String dUnit;
    @Option(names = "--lr", defaultValue = "1e-4", description = "peak learning rate of every run (default: ${DEFAULT-VALUE})") double lr;
    @Option(names = "--batch-size", defaultValue = "4", description = "sequences per step (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = {"--lora-r", "--rank"}, defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE})") int loraR;
    @Option(names = "--lora-alpha", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE})") double loraAlpha;
    @Option(names = "--max-length", defaultValue = "1024", description = "longest row in tokens (default: ${DEFAULT-VALUE})") int maxLength;
    @Option(names = "--runs-dir", description = "keep each run's checkpoint and metrics here (default: a temporary folder, removed)") Path runsDir;
    @Option(names = "--seed", defaultValue = "42", description = "seed of the row order and of every run (default: ${DEFAULT-VALUE})") long seed;

    @Override public Integer call() throws IOException {
        ScalingSweep.requireFittable(sizes, methods);
        ModelConfig config = ModelConfig.load(model);
        TokenizerEncoder encoder = Files.isRegularFile(model.resolve("tokenizer.json")) ? TokenizerEncoder.load(model, config.eosTokenIds()) : null;
        var opts = new DatasetBuilder.Options(null, Math.min(maxLength, config.maxPositionEmbeddings()), DatasetBuilder.Overlong.TRUNCATE,
                false, false, config.vocabSize());
        List<TokenRow> pool = new ArrayList<>(DatasetBuilder.build(data, encoder, opts).rows());
        shuffle(pool, seed);
        List<TokenRow> eval;
        if (evalData != null) {
            eval = DatasetBuilder.build(evalData, encoder, opts).rows();
        } else {
            if (evalRows < 1 || evalRows >= pool.size()) {
                throw new IllegalArgumentException("--eval-rows must be between 1 and " + (pool.size() - 1) + " for the " + pool.size() + " rows of " + data + ", got " + evalRows);
            }
            eval = List.copyOf(pool.subList(0, evalRows));
            pool = new ArrayList<>(pool.subList(evalRows, pool.size()));
        }
        var settings = new ScalingSweep.Settings(sizes, methods, stepsPerRow, unit(), trainConfig(),
                LoraConfig.of(loraR, loraAlpha, new Targets.AllLinear()), seed);
        Path work = runsDir != null ? runsDir : Files.createTempDirectory(output.toAbsolutePath().getParent(), ".sweep-");
        PrintWriter out = spec.commandLine().getOut();
        List<ScalingSweep.Run> done = new ArrayList<>();
        try {
            ScalingSweep.run(model, pool, eval, encoder == null ? 0 : encoder.padId(), settings, work, System.err, r -> {
                done.add(r);
                writeRuns(done);
                out.printf(Locale.ROOT, "%-6s rows %5d  x %,12d  d %,10.0f  eval loss %.4f  (train loss %.4f, %d steps, %.1f s)%n",
                        r.method(), r.rows(), r.trainable(), r.d(), r.loss(), r.trainLoss(), r.steps(), r.seconds());
                out.flush();
            });
        } finally {
            if (runsDir == null) deleteTree(work);
        }
        out.printf("wrote %d runs to %s; fit them with: tailor scaling fit --runs %s%n", done.size(), output, output);
        out.flush();
        return 0;
    }

    private ScalingSweep.DataUnit unit() {
        return switch (dUnit.toLowerCase(Locale.ROOT)) {
            case "rows" -> ScalingSweep.DataUnit.ROWS;
            case "tokens" -> ScalingSweep.DataUnit.TOKENS;
            default -> throw new IllegalArgumentException("--d-unit must be rows or tokens, got '" + dUnit + "'");
        };
    }

    private TrainConfig trainConfig() {
        TrainConfig d = TrainConfig.defaults();
        return new TrainConfig(d.optimizer(), lr, d.weightDecay(), d.beta1(), d.beta2(), d.eps(), d.momentum(), d.schedule(), d.warmupSteps(),
                d.warmupRatio(), batchSize, 1, epochs, 0, d.maxGradNorm(), 1_000_000, 0, 0, 1, seed, true, d.maxBadSteps());
    }

    /** Rewrites the whole runs file after every run, atomically, so an interrupted sweep leaves the runs it finished. */
    private void writeRuns(List<ScalingSweep.Run> runs) {
        ObjectMapper json = new ObjectMapper();
        StringBuilder b = new StringBuilder();
        try {
            for (ScalingSweep.Run r : runs) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("x", r.x());
                m.put("d", r.d());
                m.put("loss", r.loss());
                m.put("train_method", r.method());
                m.put("rows", r.rows());
                m.put("tokens", r.tokens());
                m.put("steps", r.steps());
                m.put("train_loss", Double.isFinite(r.trainLoss()) ? r.trainLoss() : null);
                b.append(json.writeValueAsString(m)).append('\n');
            }
            AtomicFile.writeString(output, b.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + output + ": " + e.getMessage(), e);
        }
    }

    private static void shuffle(List<TokenRow> rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = rows.size() - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            TokenRow t = rows.get(i); rows.set(i, rows.get(j)); rows.set(j, t);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
