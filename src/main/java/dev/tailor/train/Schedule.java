package dev.tailor.train;

import java.util.Locale;

/**
 * Learning rate by step, as transformers' get_{cosine,linear,constant}_schedule_with_warmup: the
 * update of step k (0-based) uses base·factor(k), where factor rises linearly from 0 over the
 * warmup steps, then follows the shape down to 0 at {@code totalSteps} (cosine: half a period).
 *
 * @param shape       cosine, linear or constant
 * @param baseLr      the peak learning rate
 * @param warmupSteps steps of linear warmup
 * @param totalSteps  optimizer steps in the whole run
 */
public record Schedule(Shape shape, double baseLr, int warmupSteps, int totalSteps) {

    public enum Shape {
        COSINE, LINEAR, CONSTANT;

        public static Shape parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--schedule must be cosine, linear or constant, got '" + s + "'");
            }
        }
    }

    public Schedule {
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup steps must be >= 0, got " + warmupSteps);
        if (totalSteps < 1) throw new IllegalArgumentException("a run needs at least one step, got " + totalSteps);
    }

    /** The learning rate of the update at step {@code step} (0-based). */
    public double lr(int step) { return baseLr * factor(step); }

    double factor(int step) {
        if (step < warmupSteps) return (double) step / Math.max(1, warmupSteps);
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        return switch (shape) {
            case CONSTANT -> 1.0;
            case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
            case COSINE -> Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
        };
    }
}
