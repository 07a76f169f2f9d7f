package dev.tailor.peft.lora;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.nn.Linear;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The adapted weight W + s·B A, row by row, for DoRA's norms and for merging. Rows are output
 * features: row o of an (out, in) weight, or column o of a GPT-2 Conv1D weight stored (in, out).
 * The base may be in any storage (F32, BF16, F16, NF4): it is widened a row at a time, never held
 * whole in float32 except transposed for Conv1D layouts.
 */
final class LoraFold {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private LoraFold() {}

    /**
     * ||W[o, :] + s·(B A)[o, :]||₂ for every output row o. // (out)
     * DoRA divides by these without differentiating them (the norm is detached, as in PEFT), and
     * forms them in every forward pass: the row is built with vector FMAs and its squares summed a
     * vector of lanes at a time (float within a lane, in / lanes terms each; the lanes added in double).
     * Each row's value depends on that row alone, so it does not vary with the thread count.
     * Conv1D weights (in, out) go through {@link #columnNorms}.
     */
    static float[] rowNorms(Linear base, Tensor a, Tensor b, float scale) {
        int out = base.outFeatures(), in = base.inFeatures();
        if (base.layout() == WeightLayout.IN_OUT) return columnNorms(base, a, b, scale, in, out);
        float[] norms = new float[out];
        Parallel.forChunks(out, 16, (c, from, to) -> {
            float[] row = new float[in];
            for (int o = from; o < to; o++) {
                adaptedRowVector(row, base, a, b, scale, o, in);
                norms[o] = (float) Math.sqrt(sumOfSquares(row, in));
            }
        });
        return norms;
    }

    /**
     * {@link #rowNorms} for a Conv1D weight stored (in, out), whose output rows are its columns:
     * the weight is read a row at a time, as it lies (no transposed copy each forward), and each
     * column's squares are summed in double over the rows, per column, in row order. Rows of
     * s·(B A)ᵀ come from s·A[:, j] against Bᵀ (r, out). Threads split the columns. // (out)
     */
    private static float[] columnNorms(Linear base, Tensor a, Tensor b, float scale, int in, int out) {
        float[] norms = new float[out];
        int r = a == null ? 0 : a.dim(0);
        float[] ad = a == null ? null : a.data(), bT = a == null ? null : new float[r * out]; // (r, in), (r, out)
        if (a != null) for (int o = 0; o < out; o++) for (int k = 0; k < r; k++) bT[k * out + o] = b.data()[o * r + k];
        Parallel.forChunks(out, 16, (c, from, to) -> {
            int w = to - from, bound = S.loopBound(w);
            float[] run = new float[w];   // (w) W[j, from .. to) + s·(B A)ᵀ[j, from .. to)
            double[] sq = new double[w];  // (w) running sums of squares
            for (int j = 0; j < in; j++) {
                base.weight().storage().widen((long) j * out + from, run, 0, w);
                for (int k = 0; k < r; k++) {
                    float akj = scale * ad[k * in + j];
                    int off = k * out + from, o = 0;
                    FloatVector av = FloatVector.broadcast(S, akj);
                    for (; o < bound; o += S.length()) {
                        FloatVector.fromArray(S, bT, off + o).fma(av, FloatVector.fromArray(S, run, o)).intoArray(run, o);
                    }
                    for (; o < w; o++) run[o] = Math.fma(bT[off + o], akj, run[o]);
                }
                for (int o = 0; o < w; o++) sq[o] += (double) run[o] * run[o];
            }
            for (int o = 0; o < w; o++) norms[from + o] = (float) Math.sqrt(sq[o]);
        });
        return norms;
    }

    /** {@link #rowNorms} one element at a time, summed in double: the twin the tests hold it to. */
    static float[] rowNormsScalar(Linear base, Tensor a, Tensor b, float scale) {
        int out = base.outFeatures(), in = base.inFeatures();
        float[] norms = new float[out], row = new float[in];
        float[] wT = base.layout() == WeightLayout.IN_OUT ? transposed(base.weight(), in, out) : null; // (out, in)
        for (int o = 0; o < out; o++) {
            adaptedRow(row, base, wT, a, b, scale, o, in);
            double sq = 0;
            for (int j = 0; j < in; j++) sq += (double) row[j] * row[j];
            norms[o] = (float) Math.sqrt(sq);
        }
        return norms;
    }

    /** {@link #adaptedRow} of an (out, in) weight with the rank-r update added a vector at a time (fused multiply-adds). */
    private static void adaptedRowVector(float[] row, Linear base, Tensor a, Tensor b, float scale, int o, int in) {
        base.weight().storage().widen((long) o * in, row, 0, in);
        if (a == null) return;
        float[] ad = a.data(), bd = b.data(); // (r, in), (out, r)
        int r = a.dim(0), bound = S.loopBound(in);
        for (int k = 0; k < r; k++) {
            float bk = scale * bd[o * r + k];
            int off = k * in, j = 0;
            FloatVector bv = FloatVector.broadcast(S, bk);
            for (; j < bound; j += S.length()) {
                FloatVector.fromArray(S, ad, off + j).fma(bv, FloatVector.fromArray(S, row, j)).intoArray(row, j);
            }
            for (; j < in; j++) row[j] = Math.fma(ad[off + j], bk, row[j]);
        }
    }

    /** Σ row[j]² for j < n: per-lane float sums of vector FMAs, the lanes then added in double. */
    private static double sumOfSquares(float[] row, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, row, j);
            acc = v.fma(v, acc);
        }
        double sq = 0;
        for (int l = 0; l < S.length(); l++) sq += acc.lane(l);
        for (; j < n; j++) sq += (double) row[j] * row[j];
        return sq;
    }

    /**
     * The merged weight in the base's layout, float32: W + s·B A, each output row o multiplied by
     * {@code rowScale[o]} when it is non-null (DoRA: m / ||W + s·B A||). // (out, in) or (in, out)
     */
    static float[] merged(Linear base, Tensor a, Tensor b, float scale, float[] rowScale) {
        int out = base.outFeatures(), in = base.inFeatures();
        boolean inOut = base.layout() == WeightLayout.IN_OUT;
        float[] wT = inOut ? transposed(base.weight(), in, out) : null;
        float[] w = new float[out * in];
        Parallel.forChunks(out, 16, (c, from, to) -> {
            float[] row = new float[in];
            for (int o = from; o < to; o++) {
                adaptedRow(row, base, wT, a, b, scale, o, in);
                float f = rowScale == null ? 1f : rowScale[o];
                if (inOut) {
                    for (int j = 0; j < in; j++) w[j * out + o] = row[j] * f;
                } else {
                    for (int j = 0; j < in; j++) w[o * in + j] = row[j] * f;
                }
            }
        });
        return w;
    }

    /** row (in) = W[o, :] + s·Σ_k B[o, k] A[k, :]; W read from {@code wT} (out, in) when given, else from the base. */
    private static void adaptedRow(float[] row, Linear base, float[] wT, Tensor a, Tensor b, float scale, int o, int in) {
        if (wT != null) System.arraycopy(wT, o * in, row, 0, in);
        else base.weight().storage().widen((long) o * in, row, 0, in);
        if (a == null) return;
        float[] ad = a.data(), bd = b.data(); // (r, in), (out, r)
        int r = a.dim(0);
        for (int k = 0; k < r; k++) {
            float bk = scale * bd[o * r + k];
            int off = k * in;
            for (int j = 0; j < in; j++) row[j] += bk * ad[off + j];
        }
    }

    /** A Conv1D weight (in, out) widened and transposed to (out, in). */
    private static float[] transposed(Tensor w, int in, int out) {
        float[] t = new float[out * in];
        float[] run = new float[out];
        for (int i = 0; i < in; i++) {
            w.storage().widen((long) i * out, run, 0, out);
            for (int o = 0; o < out; o++) t[o * in + i] = run[o];
        }
        return t;
    }
}
