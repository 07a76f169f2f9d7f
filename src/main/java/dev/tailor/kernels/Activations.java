package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.tailor.kernels.Elementwise.MIN_PER_CHUNK;

/**
 * Pointwise activations (SiLU, GELU tanh approximation, SwiGLU, ReLU), dropout and the row
 * softmax. Forward kernels overwrite their output; backward kernels add into the input gradient
 * and quote the forward line they differentiate.
 */
public final class Activations {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> SI = S.withLanes(int.class);
    /** sqrt(2 / pi), the constant of the tanh approximation of GELU ("gelu_new" in transformers). */
    static final float GELU_K = (float) Math.sqrt(2.0 / Math.PI);
    static final float GELU_C = 0.044715f;

    private Activations() {}

    // ---------------------------------------------------------------- SiLU

    /** out = x * sigmoid(x). // out (n), x (n) */
    public static void silu(float[] out, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, i);
                xv.div(sigmoidDenominator(xv)).intoArray(out, i);
            }
            for (; i < to; i++) out[i] = x[i] / sigmoidDenominator(x[i]);
        });
    }

    public static void siluScalar(float[] out, float[] x, int n) {
        for (int i = 0; i < n; i++) out[i] = x[i] * sigmoid(x[i]);
    }

    /** Backward of {@code out = x * s}, s = sigmoid(x): dx += g * s * (1 + x * (1 - s)). // dx, g, x (n) */
    public static void siluBackward(float[] dx, float[] g, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, i);
                FloatVector s = FloatVector.broadcast(S, 1f).div(sigmoidDenominator(xv));
                FloatVector d = xv.mul(s.neg().add(1f)).add(1f).mul(s);
                FloatVector.fromArray(S, g, i).fma(d, FloatVector.fromArray(S, dx, i)).intoArray(dx, i);
            }
            for (; i < to; i++) {
                float s = 1f / sigmoidDenominator(x[i]);
                dx[i] = Math.fma(g[i], (x[i] * (-s + 1f) + 1f) * s, dx[i]);
            }
        });
    }

    public static void siluBackwardScalar(float[] dx, float[] g, float[] x, int n) {
        for (int i = 0; i < n; i++) dx[i] += g[i] * siluDerivative(x[i]);
    }

    /** 1 + exp(-x), so that sigmoid(x) = 1 / it. */
    private static FloatVector sigmoidDenominator(FloatVector x) {
        return Lanes.exp(x.neg()).add(1f);
    }

    /** One lane of {@link #sigmoidDenominator(FloatVector)}: the fast kernels' tails use it, so every element gets the same bits. */
    private static float sigmoidDenominator(float x) {
        return Lanes.exp(-x) + 1f;
    }

    static float sigmoid(float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }

    private static float siluDerivative(float x) {
        float s = sigmoid(x);
        return s * (1f + x * (1f - s));
    }

    // ---------------------------------------------------------------- SwiGLU

    /** out = silu(gate) * up, fused so that silu(gate) is never stored. // out, gate, up (n) */
    public static void swiglu(float[] out, float[] gate, float[] up, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector gv = FloatVector.fromArray(S, gate, i);
                gv.div(sigmoidDenominator(gv)).mul(FloatVector.fromArray(S, up, i)).intoArray(out, i);
            }
            for (; i < to; i++) out[i] = gate[i] / sigmoidDenominator(gate[i]) * up[i];
        });
    }

    public static void swigluScalar(float[] out, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
    }

    /**
     * Backward of {@code out = silu(gate) * up}: dgate += g * up * silu'(gate); dup += g * silu(gate).
     * Either gradient may be null. // dgate, dup, g, gate, up (n)
     */
    public static void swigluBackward(float[] dgate, float[] dup, float[] g, float[] gate, float[] up, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, gate, i);
                FloatVector gv = FloatVector.fromArray(S, g, i);
                FloatVector s = FloatVector.broadcast(S, 1f).div(sigmoidDenominator(xv));
                if (dgate != null) {
                    FloatVector d = xv.mul(s.neg().add(1f)).add(1f).mul(s).mul(FloatVector.fromArray(S, up, i));
                    gv.fma(d, FloatVector.fromArray(S, dgate, i)).intoArray(dgate, i);
                }
                if (dup != null) gv.fma(xv.mul(s), FloatVector.fromArray(S, dup, i)).intoArray(dup, i);
            }
            for (; i < to; i++) { // the vector lines above, one lane at a time
                float x1 = gate[i], s = 1f / sigmoidDenominator(x1);
                if (dgate != null) dgate[i] = Math.fma(g[i], (x1 * (-s + 1f) + 1f) * s * up[i], dgate[i]);
                if (dup != null) dup[i] = Math.fma(g[i], x1 * s, dup[i]);
            }
        });
    }

    public static void swigluBackwardScalar(float[] dgate, float[] dup, float[] g, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            if (dgate != null) dgate[i] += g[i] * up[i] * siluDerivative(gate[i]);
            if (dup != null) dup[i] += g[i] * gate[i] * sigmoid(gate[i]);
        }
    }

    // ---------------------------------------------------------------- GELU (tanh approximation)

    /** out = 0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2/pi). // out, x (n) */
    public static void gelu(float[] out, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, i);
                FloatVector t = Lanes.tanh(geluInner(xv));
                xv.mul(0.5f).mul(t.add(1f)).intoArray(out, i);
            }
            for (; i < to; i++) out[i] = x[i] * 0.5f * (Lanes.tanh(geluInner(x[i])) + 1f);
        });
    }

    public static void geluScalar(float[] out, float[] x, int n) {
        for (int i = 0; i < n; i++) out[i] = gelu(x[i]);
    }

    /**
     * Backward of {@code out = 0.5 x (1 + tanh(u))}, u = k (x + c x^3):
     * dx += g * (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)). // dx, g, x (n)
     */
    public static void geluBackward(float[] dx, float[] g, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector xv = FloatVector.fromArray(S, x, i);
                FloatVector t = Lanes.tanh(geluInner(xv));
                FloatVector du = xv.mul(xv).mul(3f * GELU_C).add(1f).mul(GELU_K);
                FloatVector d = t.add(1f).mul(0.5f).add(xv.mul(0.5f).mul(t.mul(t).neg().add(1f)).mul(du));
                FloatVector.fromArray(S, g, i).fma(d, FloatVector.fromArray(S, dx, i)).intoArray(dx, i);
            }
            for (; i < to; i++) { // the vector lines above, one lane at a time
                float xi = x[i], t = Lanes.tanh(geluInner(xi));
                float du = (xi * xi * (3f * GELU_C) + 1f) * GELU_K;
                dx[i] = Math.fma(g[i], (t + 1f) * 0.5f + xi * 0.5f * (-(t * t) + 1f) * du, dx[i]);
            }
        });
    }

    public static void geluBackwardScalar(float[] dx, float[] g, float[] x, int n) {
        for (int i = 0; i < n; i++) dx[i] += g[i] * geluDerivative(x[i]);
    }

    /** k (x + c x^3) */
    private static FloatVector geluInner(FloatVector x) {
        return x.mul(x).mul(x).mul(GELU_C).add(x).mul(GELU_K);
    }

    /** One lane of {@link #geluInner(FloatVector)}. */
    private static float geluInner(float x) {
        return (x * x * x * GELU_C + x) * GELU_K;
    }

    private static float gelu(float x) {
        float t = (float) Math.tanh(GELU_K * (x + GELU_C * x * x * x));
        return 0.5f * x * (1f + t);
    }

    private static float geluDerivative(float x) {
        float t = (float) Math.tanh(GELU_K * (x + GELU_C * x * x * x));
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * GELU_K * (1f + 3f * GELU_C * x * x);
    }

    // ---------------------------------------------------------------- ReLU

    /** out = max(x, 0). // out, x (n) */
    public static void relu(float[] out, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) FloatVector.fromArray(S, x, i).max(0f).intoArray(out, i);
            for (; i < to; i++) out[i] = Math.max(x[i], 0f);
        });
    }

    public static void reluScalar(float[] out, float[] x, int n) {
        for (int i = 0; i < n; i++) out[i] = Math.max(x[i], 0f);
    }

    /** Backward of {@code out = max(x, 0)}: dx += g where x > 0 (zero at the kink, as torch). // dx, g, x (n) */
    public static void reluBackward(float[] dx, float[] g, float[] x, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                VectorMask<Float> pos = FloatVector.fromArray(S, x, i).compare(VectorOperators.GT, 0f);
                FloatVector.fromArray(S, dx, i).add(FloatVector.fromArray(S, g, i), pos).intoArray(dx, i);
            }
            for (; i < to; i++) if (x[i] > 0f) dx[i] += g[i];
        });
    }

    public static void reluBackwardScalar(float[] dx, float[] g, float[] x, int n) {
        for (int i = 0; i < n; i++) if (x[i] > 0f) dx[i] += g[i];
    }

    // ---------------------------------------------------------------- softmax over the last dim

    /** out[r] = exp(x[r] - max) / sum(exp(x[r] - max)) per row. // out, x (rows, cols) */
    public static void softmax(float[] out, float[] x, int rows, int cols) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(cols), (c, r0, r1) -> {
            for (int r = r0; r < r1; r++) Rows.softmaxRow(out, x, r * cols, cols);
        });
    }

    public static void softmaxScalar(float[] out, float[] x, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) max = Math.max(max, x[o + j]);
            float sum = 0f;
            for (int j = 0; j < cols; j++) {
                out[o + j] = (float) Math.exp(x[o + j] - max);
                sum += out[o + j];
            }
            float inv = 1f / sum;
            for (int j = 0; j < cols; j++) out[o + j] *= inv;
        }
    }

    /** Backward of {@code y = softmax(x)}: dx += y * (g - sum(g * y)) per row. // dx, g, y (rows, cols) */
    public static void softmaxBackward(float[] dx, float[] g, float[] y, int rows, int cols) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(cols), (c, r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int o = r * cols;
                float dot = Rows.dot(g, o, y, o, cols);
                int j = 0, bound = S.loopBound(cols);
                for (; j < bound; j += S.length()) {
                    FloatVector yv = FloatVector.fromArray(S, y, o + j);
                    FloatVector.fromArray(S, g, o + j).sub(dot).fma(yv, FloatVector.fromArray(S, dx, o + j)).intoArray(dx, o + j);
                }
                for (; j < cols; j++) dx[o + j] += (g[o + j] - dot) * y[o + j];
            }
        });
    }

    public static void softmaxBackwardScalar(float[] dx, float[] g, float[] y, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            float dot = 0f;
            for (int j = 0; j < cols; j++) dot += g[o + j] * y[o + j];
            for (int j = 0; j < cols; j++) dx[o + j] += (g[o + j] - dot) * y[o + j];
        }
    }

    // ---------------------------------------------------------------- dropout

    /**
     * out = x * keep / (1 - p), where keep is a counter-based hash of (seed, element index): the
     * same seed gives the same mask in forward and backward, on any number of threads, so the mask
     * is regenerated rather than stored. // out, x (n)
     */
    public static void dropout(float[] out, float[] x, float p, long seed, int n) {
        dropoutMasked(out, x, p, seed, n, false);
    }

    /** Backward of {@code out = x * keep / (1 - p)}: dx += g * keep / (1 - p). // dx, g (n) */
    public static void dropoutBackward(float[] dx, float[] g, float p, long seed, int n) {
        dropoutMasked(dx, g, p, seed, n, true);
    }

    private static void dropoutMasked(float[] dst, float[] x, float p, long seed, int n, boolean accumulate) {
        float scale = p < 1f ? 1f / (1f - p) : 0f;
        int k0 = (int) mix64(seed), k1 = (int) (mix64(seed) >>> 32);
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                IntVector idx = IntVector.zero(SI).addIndex(1).add(i);
                FloatVector u = (FloatVector) hash(idx, k0, k1).lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0);
                VectorMask<Float> keep = u.mul(0x1p-24f).compare(VectorOperators.GE, p);
                FloatVector v = FloatVector.zero(S).blend(FloatVector.fromArray(S, x, i).mul(scale), keep);
                (accumulate ? v.add(FloatVector.fromArray(S, dst, i)) : v).intoArray(dst, i);
            }
            dropoutTail(dst, x, p, scale, k0, k1, i, to, accumulate);
        });
    }

    public static void dropoutScalar(float[] out, float[] x, float p, long seed, int n) {
        float scale = p < 1f ? 1f / (1f - p) : 0f;
        dropoutTail(out, x, p, scale, (int) mix64(seed), (int) (mix64(seed) >>> 32), 0, n, false);
    }

    public static void dropoutBackwardScalar(float[] dx, float[] g, float p, long seed, int n) {
        float scale = p < 1f ? 1f / (1f - p) : 0f;
        dropoutTail(dx, g, p, scale, (int) mix64(seed), (int) (mix64(seed) >>> 32), 0, n, true);
    }

    private static void dropoutTail(float[] dst, float[] x, float p, float scale, int k0, int k1, int from, int to, boolean accumulate) {
        for (int i = from; i < to; i++) {
            boolean keep = (hash(i, k0, k1) >>> 8) * 0x1p-24f >= p;
            float v = keep ? x[i] * scale : 0f;
            dst[i] = accumulate ? dst[i] + v : v;
        }
    }

    /** True when element {@code i} survives dropout with probability {@code 1 - p} under {@code seed}. */
    public static boolean kept(long seed, float p, int i) {
        return (hash(i, (int) mix64(seed), (int) (mix64(seed) >>> 32)) >>> 8) * 0x1p-24f >= p;
    }

    /** SplitMix64 finaliser: spreads a user seed over 64 well-mixed bits. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Two rounds of the murmur3 32-bit finaliser keyed by (k0, k1). */
    private static int hash(int i, int k0, int k1) {
        int h = i * 0x9E3779B9 ^ k0;
        h ^= h >>> 16; h *= 0x85EBCA6B; h ^= h >>> 13; h *= 0xC2B2AE35; h ^= h >>> 16;
        h ^= k1;
        h ^= h >>> 16; h *= 0x85EBCA6B; h ^= h >>> 13; h *= 0xC2B2AE35; h ^= h >>> 16;
        return h;
    }

    private static IntVector hash(IntVector i, int k0, int k1) {
        IntVector h = i.mul(0x9E3779B9).lanewise(VectorOperators.XOR, k0);
        h = fmix(h).lanewise(VectorOperators.XOR, k1);
        return fmix(h);
    }

    private static IntVector fmix(IntVector h) {
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16)).mul(0x85EBCA6B);
        h = h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 13)).mul(0xC2B2AE35);
        return h.lanewise(VectorOperators.XOR, h.lanewise(VectorOperators.LSHR, 16));
    }
}
