package dev.tailor.eval.scaling;

import dev.tailor.data.TokenRow;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.ParamGroup;
import dev.tailor.tensor.Tensor;
import dev.tailor.train.Methods;
import dev.tailor.train.TrainConfig;
import dev.tailor.train.TrainData;
import dev.tailor.train.Trainable;
import dev.tailor.train.Trainer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The training runs behind a scaling-law fit: one fine-tuning run per (method, data size), each
 * from the same base model, evaluated on the same held-out rows. X is the method's trainable
 * parameter count and D the training rows (or their tokens), so the runs are the points
 * L(X, D) = A·X^-alpha·D^-beta + E is fitted to. The data sizes are nested: the run on n rows
 * trains on the first n rows of one fixed order.
 */
public final class ScalingSweep {

    /** What D counts. */
    public enum DataUnit { ROWS, TOKENS }

    /**
     * @param sizes       training rows per run
     * @param methods     fine-tuning methods ({@link Methods#SUPPORTED})
     * @param stepsPerRow optimizer steps per training row (steps = ceil(stepsPerRow · rows)); 0 = the epochs of {@code train}
     */
    public record Settings(List<Integer> sizes, List<String> methods, double stepsPerRow, DataUnit unit, TrainConfig train, LoraConfig lora, long seed) {
        public Settings {
            sizes = List.copyOf(sizes);
            methods = List.copyOf(methods);
            if (stepsPerRow < 0) throw new IllegalArgumentException("--steps-per-row must be >= 0, got " + stepsPerRow);
        }
    }

    /** One finished run: its point (x, d, loss) and how it was made. */
    public record Run(String method, int rows, long tokens, int steps, long trainable, double x, double d, double loss, double trainLoss, double seconds) {}

    private ScalingSweep() {}

    /**
     * Refuses a grid that cannot be fitted before any training: the law has four parameters, and
     * alpha needs two values of X (two methods), beta two values of D (two sizes).
     */
    public static void requireFittable(List<Integer> sizes, List<String> methods) {
        Set<Integer> s = new LinkedHashSet<>(sizes);
        Set<String> m = new LinkedHashSet<>(methods);
        if (s.size() != sizes.size()) throw new IllegalArgumentException("--sizes lists a size twice: " + sizes);
        if (m.size() != methods.size()) throw new IllegalArgumentException("--methods lists a method twice: " + methods);
        for (int n : sizes) if (n < 1) throw new IllegalArgumentException("--sizes must be positive row counts, got " + n);
        for (String method : methods) {
            if (!Methods.SUPPORTED.contains(method)) throw new IllegalArgumentException("--methods: '" + method + "' is not available (supported: " + Methods.SUPPORTED + ")");
        }
        int runs = sizes.size() * methods.size();
        if (runs < ScalingRuns.MIN_RUNS || s.size() < 2 || m.size() < 2) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "a grid of %d size(s) x %d method(s) gives %d run(s); fitting L = A·X^-alpha·D^-beta + E needs at least %d runs, "
                            + "2 data sizes (for beta) and 2 methods (X differs between methods, for alpha): add sizes or methods",
                    s.size(), m.size(), runs, ScalingRuns.MIN_RUNS));
        }
    }

    /**
     * Trains and evaluates every (method, size) of the grid, methods outermost; each run's
     * checkpoints go to {@code workDir/<method>-<rows>}.
     *
     * @param pool  training rows in the order subsets are taken from (at least the largest size)
     * @param eval  held-out rows every run is scored on
     * @param onRun called after each run (to save the runs file as the sweep goes)
     */
    public static List<Run> run(Path modelDir, List<TokenRow> pool, List<TokenRow> eval, int padId, Settings s,
                                Path workDir, PrintStream log, Consumer<Run> onRun) {
        int largest = Collections.max(s.sizes());
        if (largest > pool.size()) {
            throw new IllegalArgumentException("--sizes asks for " + largest + " training rows but only " + pool.size() + " are available");
        }
        if (eval.isEmpty()) throw new IllegalArgumentException("the sweep needs held-out rows to measure each run's loss");
        List<Run> runs = new ArrayList<>();
        for (String method : s.methods()) {
            for (int n : s.sizes()) {
                Run r = one(modelDir, method, pool.subList(0, n), eval, padId, s, workDir.resolve(method + "-" + n), log);
                runs.add(r);
                onRun.accept(r);
            }
        }
        return runs;
    }

    private static Run one(Path modelDir, String method, List<TokenRow> rows, List<TokenRow> eval, int padId, Settings s, Path dir, PrintStream log) {
        long t0 = System.nanoTime();
        Trainable target = Methods.prepare(method, modelDir, s.lora(), s.seed());
        long trainable = trainableCount(target);
        TrainConfig cfg = s.stepsPerRow() > 0
                ? s.train().withSteps((int) Math.ceil(s.stepsPerRow() * rows.size()), 0, 0)
                : s.train().withSteps(0, 0, 0);
        Trainer trainer = new Trainer(target, TrainData.unpacked(rows, eval, padId), cfg, dir, log, false);
        log.printf(Locale.ROOT, "run %s on %d rows: %,d trainable parameters, %d steps%n", method, rows.size(), trainable, trainer.totalSteps());
        Trainer.Result r = trainer.run(null);
        long tokens = 0;
        for (TokenRow row : rows) tokens += row.countedTokens();
        double d = s.unit() == DataUnit.ROWS ? rows.size() : tokens;
        double loss = r.evalLosses().getLast();
        double trainLoss = r.losses().isEmpty() ? Double.NaN : r.losses().getLast();
        return new Run(method, rows.size(), tokens, trainer.totalSteps(), trainable, trainable, d, loss, trainLoss, (System.nanoTime() - t0) / 1e9);
    }

    /** Elements of the distinct trainable tensors of a method. */
    static long trainableCount(Trainable t) {
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long n = 0;
        for (ParamGroup g : t.groups()) for (Tensor p : g.params()) if (seen.add(p)) n += p.shape().numel();
        return n;
    }
}
