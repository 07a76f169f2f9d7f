package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise arithmetic and reductions over float32 arrays. A second operand {@code b} of length
 * {@code bn} is broadcast over the leading dims of {@code a} (length {@code n}, a multiple of
 * {@code bn}): element i of {@code a} pairs with element {@code i % bn} of {@code b}.
 * Forward kernels overwrite their output; backward kernels add into gradients.
 */
public final class Elementwise {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Elements below which a call stays on the calling thread: forking costs more than it saves. */
    static final int MIN_PER_CHUNK = 1 << 15;

    private Elementwise() {}

    /** Rows of {@code bn} elements per chunk so that a chunk holds about {@link #MIN_PER_CHUNK} elements. */
    static int rowsPerChunk(int cols) { return Math.max(1, MIN_PER_CHUNK / Math.max(1, cols)); }

    // ---------------------------------------------------------------- add

    /** out = a + b, b broadcast. // out (n), a (n), b (bn) */
    public static void add(float[] out, float[] a, float[] b, int n, int bn) {
        Parallel.forChunks(n / bn, rowsPerChunk(bn), (c, r0, r1) -> {
            int bound = S.loopBound(bn);
            for (int r = r0; r < r1; r++) {
                int o = r * bn, j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, a, o + j).add(FloatVector.fromArray(S, b, j)).intoArray(out, o + j);
                }
                for (; j < bn; j++) out[o + j] = a[o + j] + b[j];
            }
        });
    }

    public static void addScalar(float[] out, float[] a, float[] b, int n, int bn) {
        for (int i = 0; i < n; i++) out[i] = a[i] + b[i % bn];
    }

    // ---------------------------------------------------------------- mul

    /** out = a * b, b broadcast. // out (n), a (n), b (bn) */
    public static void mul(float[] out, float[] a, float[] b, int n, int bn) {
        Parallel.forChunks(n / bn, rowsPerChunk(bn), (c, r0, r1) -> {
            int bound = S.loopBound(bn);
            for (int r = r0; r < r1; r++) {
                int o = r * bn, j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, a, o + j).mul(FloatVector.fromArray(S, b, j)).intoArray(out, o + j);
                }
                for (; j < bn; j++) out[o + j] = a[o + j] * b[j];
            }
        });
    }

    public static void mulScalar(float[] out, float[] a, float[] b, int n, int bn) {
        for (int i = 0; i < n; i++) out[i] = a[i] * b[i % bn];
    }

    /**
     * Backward of {@code out = a * b} (b broadcast): da += g * b; db += sum over rows of g * a.
     * Either gradient may be null (that input is frozen). // da (n), db (bn), g (n), a (n), b (bn)
     */
    public static void mulBackward(float[] da, float[] db, float[] g, float[] a, float[] b, int n, int bn) {
        if (n == 0) return;
        if (da != null) mul(da, g, b, n, bn, true);
        if (db != null) reduceRows(db, g, a, n, bn);
    }

    public static void mulBackwardScalar(float[] da, float[] db, float[] g, float[] a, float[] b, int n, int bn) {
        for (int i = 0; i < n; i++) {
            if (da != null) da[i] += g[i] * b[i % bn];
            if (db != null) db[i % bn] += g[i] * a[i];
        }
    }

    /** out += a * b (b broadcast): the accumulating form used by backward rules. */
    private static void mul(float[] out, float[] a, float[] b, int n, int bn, boolean accumulate) {
        Parallel.forChunks(n / bn, rowsPerChunk(bn), (c, r0, r1) -> {
            int bound = S.loopBound(bn);
            for (int r = r0; r < r1; r++) {
                int o = r * bn, j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, a, o + j).fma(FloatVector.fromArray(S, b, j), FloatVector.fromArray(S, out, o + j))
                            .intoArray(out, o + j);
                }
                for (; j < bn; j++) out[o + j] += a[o + j] * b[j];
            }
        });
    }

    // ---------------------------------------------------------------- scale, axpy, constants

    /** out = s * a. // out (n), a (n) */
    public static void scale(float[] out, float[] a, float s, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) FloatVector.fromArray(S, a, i).mul(s).intoArray(out, i);
            for (; i < to; i++) out[i] = a[i] * s;
        });
    }

    public static void scaleScalar(float[] out, float[] a, float s, int n) {
        for (int i = 0; i < n; i++) out[i] = a[i] * s;
    }

    /** dst += s * x, the backward of add, scale and copies. // dst (n), x (n) */
    public static void axpy(float[] dst, float[] x, float s, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, x, i).fma(FloatVector.broadcast(S, s), FloatVector.fromArray(S, dst, i)).intoArray(dst, i);
            }
            for (; i < to; i++) dst[i] += s * x[i];
        });
    }

    public static void axpyScalar(float[] dst, float[] x, float s, int n) {
        for (int i = 0; i < n; i++) dst[i] += s * x[i];
    }

    /** dst += s for every element: the backward of sum. // dst (n) */
    public static void addConstant(float[] dst, float s, int n) {
        Parallel.forChunks(n, MIN_PER_CHUNK, (c, from, to) -> {
            int i = from, bound = from + S.loopBound(to - from);
            for (; i < bound; i += S.length()) FloatVector.fromArray(S, dst, i).add(s).intoArray(dst, i);
            for (; i < to; i++) dst[i] += s;
        });
    }

    public static void addConstantScalar(float[] dst, float s, int n) {
        for (int i = 0; i < n; i++) dst[i] += s;
    }

    // ---------------------------------------------------------------- reductions

    /**
     * dst[j] += sum over rows r of x[r*bn + j]: the gradient of a broadcast operand of add.
     * // dst (bn), x (n)
     */
    public static void sumRows(float[] dst, float[] x, int n, int bn) {
        // One row (add of two same-shaped tensors): dst += x directly, without a zeroed partial row
        // and a second pass. 0 + x differs from x only for x = -0, and dst + (+0) from dst + (-0)
        // only for dst = -0, which a gradient buffer (zeroed, then only added to) never holds.
        if (n == bn) axpy(dst, x, 1f, n);
        else reduceRows(dst, x, null, n, bn);
    }

    public static void sumRowsScalar(float[] dst, float[] x, int n, int bn) {
        for (int i = 0; i < n; i++) dst[i % bn] += x[i];
    }

    /**
     * dst[j] += sum over rows of x[r, j] (times y[r, j] when y is not null). Each chunk of rows sums
     * into its own partial row, then the partials are added in chunk order, so the result does not
     * depend on scheduling.
     */
    private static void reduceRows(float[] dst, float[] x, float[] y, int n, int bn) {
        if (n == 0) return;
        int rows = n / bn;
        int chunks = Math.max(1, Math.min(Parallel.threads(), rows / rowsPerChunk(bn)));
        float[][] partial = new float[chunks][bn];
        Parallel.forChunks(chunks, 1, (c0, k0, k1) -> {
            for (int k = k0; k < k1; k++) {
                int r0 = (int) ((long) rows * k / chunks), r1 = (int) ((long) rows * (k + 1) / chunks);
                if (y == null) sumRowsInto(partial[k], x, r0, r1, bn);
                else sumRowProductsInto(partial[k], x, y, r0, r1, bn);
            }
        });
        for (float[] p : partial) axpy(dst, p, 1f, bn);
    }

    /** p[j] += x[r, j] for rows [r0, r1). */
    private static void sumRowsInto(float[] p, float[] x, int r0, int r1, int bn) {
        int bound = S.loopBound(bn);
        for (int r = r0; r < r1; r++) {
            int o = r * bn, j = 0;
            for (; j < bound; j += S.length()) FloatVector.fromArray(S, x, o + j).add(FloatVector.fromArray(S, p, j)).intoArray(p, j);
            for (; j < bn; j++) p[j] += x[o + j];
        }
    }

    /** p[j] += x[r, j] * y[r, j] for rows [r0, r1). */
    private static void sumRowProductsInto(float[] p, float[] x, float[] y, int r0, int r1, int bn) {
        int bound = S.loopBound(bn);
        for (int r = r0; r < r1; r++) {
            int o = r * bn, j = 0;
            for (; j < bound; j += S.length()) {
                FloatVector.fromArray(S, x, o + j).fma(FloatVector.fromArray(S, y, o + j), FloatVector.fromArray(S, p, j)).intoArray(p, j);
            }
            for (; j < bn; j++) p[j] += x[o + j] * y[o + j];
        }
    }

    /** Sum of all elements, accumulated in float lanes per chunk and combined in double. // a (n) */
    public static double sum(float[] a, int n) {
        int chunks = Math.max(1, Math.min(Parallel.threads(), n / MIN_PER_CHUNK));
        double[] partial = new double[chunks];
        Parallel.forChunks(chunks, 1, (c0, k0, k1) -> {
            for (int k = k0; k < k1; k++) {
                int from = (int) ((long) n * k / chunks), to = (int) ((long) n * (k + 1) / chunks);
                FloatVector acc = FloatVector.zero(S);
                int i = from, bound = from + S.loopBound(to - from);
                for (; i < bound; i += S.length()) acc = acc.add(FloatVector.fromArray(S, a, i));
                double s = Lanes.sum(acc);
                for (; i < to; i++) s += a[i];
                partial[k] = s;
            }
        });
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }

    public static double sumScalar(float[] a, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += a[i];
        return s;
    }
}
