package dev.tailor.train;

import java.util.SplittableRandom;

/**
 * Which sequences each optimizer step trains on. Epoch e visits the sequences in a permutation
 * drawn from (seed, e); step k is the (k mod stepsPerEpoch)-th run of batchSize·gradAccum of
 * epoch k / stepsPerEpoch (the last step of an epoch may be shorter). The data position is
 * therefore a function of the step, which is what makes resuming exact.
 */
final class DataOrder {

    private final int n, perStep;
    private final long seed;
    private final boolean shuffle;
    private int cachedEpoch = -1;
    private int[] perm;

    DataOrder(int n, int perStep, long seed, boolean shuffle) {
        if (n < 1) throw new IllegalArgumentException("no training sequences");
        this.n = n;
        this.perStep = perStep;
        this.seed = seed;
        this.shuffle = shuffle;
    }

    int stepsPerEpoch() { return (n + perStep - 1) / perStep; }

    int epochOf(int step) { return step / stepsPerEpoch(); }

    /** Index of the first sequence of {@code step} within its epoch's order. */
    int offsetOf(int step) { return (step % stepsPerEpoch()) * perStep; }

    /** The sequence indices of {@code step}, in order. */
    int[] step(int step) {
        int[] p = permutation(epochOf(step));
        int from = offsetOf(step), to = Math.min(n, from + perStep);
        int[] out = new int[to - from];
        System.arraycopy(p, from, out, 0, out.length);
        return out;
    }

    private int[] permutation(int epoch) {
        if (epoch == cachedEpoch) return perm;
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        if (shuffle) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i]; p[i] = p[j]; p[j] = t;
            }
        }
        cachedEpoch = epoch;
        perm = p;
        return p;
    }
}
