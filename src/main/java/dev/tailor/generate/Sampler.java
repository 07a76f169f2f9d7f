package dev.tailor.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses next tokens from logits as {@link SamplingConfig} describes. One sampler per sequence:
 * it owns that sequence's random stream and the set of tokens it has seen (for the repetition
 * penalty). The filters are public static methods over a logits row so each can be checked alone;
 * a filtered-out token gets -infinity, as transformers' filter value.
 */
public final class Sampler {

    private final SamplingConfig config;
    private final SplittableRandom random;
    private final boolean[] seen; // (V) tokens in the sequence so far
    private int[] seenIds;        // the distinct seen tokens, in order of first appearance
    private int seenCount;

    /**
     * @param vocab   V, the logits row length
     * @param context the tokens already in the sequence (the prompt)
     * @param random  this sequence's random stream
     */
    public Sampler(SamplingConfig config, int vocab, int[] context, SplittableRandom random) {
        this.config = config;
        this.random = random;
        this.seen = new boolean[vocab];
        this.seenIds = new int[Math.max(16, context.length)];
        for (int id : context) observe(id);
    }

    /** Adds a token to the sequence's history. */
    public void observe(int token) {
        if (token < 0 || token >= seen.length) throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + seen.length + ")");
        if (seen[token]) return;
        seen[token] = true;
        if (seenCount == seenIds.length) seenIds = Arrays.copyOf(seenIds, 2 * seenCount);
        seenIds[seenCount++] = token;
    }

    /** Chooses the next token from {@code logits} (V), which it overwrites, and observes it. */
    public int next(float[] logits) {
        repetitionPenalty(logits, seenIds, seenCount, config.repetitionPenalty());
        int token;
        if (config.isGreedy()) {
            token = argmax(logits);
        } else {
            temperature(logits, config.temperature());
            topK(logits, config.topK());
            topP(logits, config.topP());
            minP(logits, config.minP());
            token = draw(logits, random.nextDouble());
        }
        observe(token);
        return token;
    }

    // ---------------------------------------------------------------- the filters

    /** For each of the first {@code count} ids: a positive logit is divided by {@code penalty}, a negative one multiplied. */
    public static void repetitionPenalty(float[] logits, int[] ids, int count, float penalty) {
        if (penalty == 1f) return;
        for (int i = 0; i < count; i++) {
            float l = logits[ids[i]];
            logits[ids[i]] = l < 0 ? l * penalty : l / penalty;
        }
    }

    /** logits / t. */
    public static void temperature(float[] logits, float t) {
        if (t == 1f) return;
        for (int i = 0; i < logits.length; i++) logits[i] /= t;
    }

    /** Keeps the logits >= the k-th largest (so ties with it stay, as transformers' TopKLogitsWarper); k = 0 keeps all. */
    public static void topK(float[] logits, int k) {
        if (k <= 0 || k >= logits.length) return;
        long[] order = ascending(logits);
        if (order.length <= k) return;
        float kth = valueOf(order[order.length - k]);
        for (int i = 0; i < logits.length; i++) if (logits[i] < kth) logits[i] = Float.NEGATIVE_INFINITY;
    }

    /**
     * Nucleus filter, as transformers' TopPLogitsWarper: sort ascending, accumulate the softmax,
     * drop every token whose cumulative probability (its own and all smaller ones) is <= 1 - p;
     * the most likely token always stays.
     */
    public static void topP(float[] logits, float p) {
        if (p >= 1f) return;
        long[] order = ascending(logits);
        if (order.length == 0) return;
        double max = valueOf(order[order.length - 1]), sum = 0;
        for (long e : order) sum += Math.exp(valueOf(e) - max);
        double cumulative = 0;
        for (int r = 0; r < order.length - 1; r++) { // the last (largest) is always kept
            cumulative += Math.exp(valueOf(order[r]) - max) / sum;
            if (cumulative <= 1.0 - p) logits[indexOf(order[r])] = Float.NEGATIVE_INFINITY;
            else break;
        }
    }

    /** Drops tokens whose probability is below {@code p} times the largest probability (transformers' MinPLogitsWarper). */
    public static void minP(float[] logits, float p) {
        if (p <= 0f) return;
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        if (max == Float.NEGATIVE_INFINITY) return;
        for (int i = 0; i < logits.length; i++) {
            if (Math.exp((double) logits[i] - max) < p) logits[i] = Float.NEGATIVE_INFINITY; // p_i / p_max = exp(l_i - l_max)
        }
    }

    /** The index of the largest logit; the first one among equals (as torch.argmax). */
    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /**
     * The token at which the cumulative softmax of {@code logits} first exceeds {@code u} (in [0, 1)):
     * a draw from the distribution when u is uniform. Probabilities are summed in double.
     */
    public static int draw(float[] logits, double u) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        if (max == Float.NEGATIVE_INFINITY || Float.isNaN(max)) {
            throw new IllegalStateException("no token can be sampled: every logit is -infinity or NaN");
        }
        double sum = 0;
        for (float l : logits) sum += Math.exp((double) l - max);
        double target = u * sum, cumulative = 0;
        int last = -1;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            cumulative += Math.exp((double) logits[i] - max);
            last = i;
            if (cumulative > target) return i;
        }
        return last; // u rounded up to the total: the last token that can be drawn
    }

    // ---------------------------------------------------------------- sorting without boxing

    /**
     * The finite logits sorted ascending, each packed as (order-preserving float bits << 32 | index)
     * so that a primitive sort orders them; equal values sort by index.
     */
    private static long[] ascending(float[] logits) {
        long[] keys = new long[logits.length];
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] == Float.NEGATIVE_INFINITY) continue;
            int bits = Float.floatToIntBits(logits[i]);
            bits ^= (bits >> 31) & 0x7fffffff; // negative floats: flip the magnitude so signed int order = float order
            keys[n++] = ((long) bits << 32) | i;
        }
        long[] out = Arrays.copyOf(keys, n);
        Arrays.sort(out);
        return out;
    }

    private static float valueOf(long key) {
        int bits = (int) (key >> 32);
        bits ^= (bits >> 31) & 0x7fffffff;
        return Float.intBitsToFloat(bits);
    }

    private static int indexOf(long key) { return (int) key; }
}
