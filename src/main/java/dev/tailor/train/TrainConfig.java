package dev.tailor.train;

import java.util.Locale;

/**
 * The settings of a training run (method and data settings live elsewhere).
 *
 * @param optimizer     adamw or sgd
 * @param lr            peak learning rate
 * @param weightDecay   decoupled (AdamW) or L2 (SGD) decay on matrices
 * @param beta1         AdamW first-moment decay
 * @param beta2         AdamW second-moment decay
 * @param eps           AdamW denominator epsilon
 * @param momentum      SGD momentum (0 = none)
 * @param schedule      cosine, linear or constant after warmup
 * @param warmupSteps   warmup steps, or -1 to take warmupRatio of the run
 * @param warmupRatio   warmup as a fraction of the total steps (used when warmupSteps is -1)
 * @param batchSize     sequences per micro-batch (a pack counts as one sequence)
 * @param gradAccum     micro-batches accumulated into one optimizer step
 * @param epochs        passes over the data (ignored when maxSteps > 0)
 * @param maxSteps      optimizer steps in the run, or 0 to run {@code epochs} epochs
 * @param maxGradNorm   global gradient-norm clip, or 0 for none
 * @param loggingSteps  progress and metrics every N steps
 * @param evalSteps     evaluate the held-out split every N steps (0 = only at the end)
 * @param saveSteps     checkpoint every N steps (0 = only at the end)
 * @param saveTotalLimit keep at most this many checkpoints, deleting the oldest (0 = keep all)
 * @param seed          data order (and every other random choice) derives from it
 * @param shuffle       reshuffle the sequences every epoch
 * @param maxBadSteps   consecutive non-finite steps that stop the run
 */
public record TrainConfig(Optim optimizer, double lr, double weightDecay, double beta1, double beta2, double eps, double momentum,
                          Schedule.Shape schedule, int warmupSteps, double warmupRatio,
                          int batchSize, int gradAccum, int epochs, int maxSteps, double maxGradNorm,
                          int loggingSteps, int evalSteps, int saveSteps, int saveTotalLimit,
                          long seed, boolean shuffle, int maxBadSteps) {

    public enum Optim {
        ADAMW, SGD;

        public static Optim parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--optimizer must be adamw or sgd, got '" + s + "'");
            }
        }
    }

    public TrainConfig {
        positive("--batch-size", batchSize);
        positive("--grad-accum", gradAccum);
        positive("--epochs", epochs);
        positive("--logging-steps", loggingSteps);
        positive("--max-bad-steps", maxBadSteps);
        nonNegative("--max-steps", maxSteps);
        nonNegative("--eval-steps", evalSteps);
        nonNegative("--save-steps", saveSteps);
        nonNegative("--save-total-limit", saveTotalLimit);
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        if (weightDecay < 0) throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
        if (maxGradNorm < 0) throw new IllegalArgumentException("--max-grad-norm must be >= 0 (0 = no clipping), got " + maxGradNorm);
        if (warmupSteps < -1) throw new IllegalArgumentException("--warmup-steps must be >= 0, got " + warmupSteps);
        if (warmupRatio < 0 || warmupRatio >= 1) throw new IllegalArgumentException("--warmup-ratio must be in [0, 1), got " + warmupRatio);
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("--beta1/--beta2 must be in [0, 1), got " + beta1 + ", " + beta2);
        if (momentum < 0 || momentum >= 1) throw new IllegalArgumentException("--momentum must be in [0, 1), got " + momentum);
    }

    private static void positive(String flag, int v) { if (v < 1) throw new IllegalArgumentException(flag + " must be >= 1, got " + v); }

    private static void nonNegative(String flag, int v) { if (v < 0) throw new IllegalArgumentException(flag + " must be >= 0, got " + v); }

    /** Hugging Face Trainer's defaults where it has them (lr 5e-5, AdamW 0.9/0.999/1e-8, linear decay). */
    public static TrainConfig defaults() {
        return new TrainConfig(Optim.ADAMW, 5e-5, 0.0, 0.9, 0.999, 1e-8, 0.0, Schedule.Shape.LINEAR, 0, 0.0,
                1, 1, 1, 0, 1.0, 10, 0, 0, 0, 42, true, 5);
    }

    /** The warmup in steps for a run of {@code total} steps. */
    public int warmupFor(int total) { return warmupSteps >= 0 ? warmupSteps : (int) Math.ceil(warmupRatio * total); }

    public TrainConfig withBatch(int batch, int accum) {
        return new TrainConfig(optimizer, lr, weightDecay, beta1, beta2, eps, momentum, schedule, warmupSteps, warmupRatio,
                batch, accum, epochs, maxSteps, maxGradNorm, loggingSteps, evalSteps, saveSteps, saveTotalLimit, seed, shuffle, maxBadSteps);
    }

    public TrainConfig withSteps(int max, int eval, int save) {
        return new TrainConfig(optimizer, lr, weightDecay, beta1, beta2, eps, momentum, schedule, warmupSteps, warmupRatio,
                batchSize, gradAccum, epochs, max, maxGradNorm, loggingSteps, eval, save, saveTotalLimit, seed, shuffle, maxBadSteps);
    }

    public TrainConfig withOptimizer(Optim o, double lr, double weightDecay, double maxGradNorm) {
        return new TrainConfig(o, lr, weightDecay, beta1, beta2, eps, momentum, schedule, warmupSteps, warmupRatio,
                batchSize, gradAccum, epochs, maxSteps, maxGradNorm, loggingSteps, evalSteps, saveSteps, saveTotalLimit, seed, shuffle, maxBadSteps);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(optimizer, lr, weightDecay, beta1, beta2, eps, momentum, schedule, warmupSteps, warmupRatio,
                batchSize, gradAccum, epochs, maxSteps, maxGradNorm, loggingSteps, evalSteps, saveSteps, saveTotalLimit, s, shuffle, maxBadSteps);
    }
}
