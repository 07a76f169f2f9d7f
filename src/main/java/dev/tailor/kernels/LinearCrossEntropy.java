package dev.tailor.kernels;

import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Storage;
import dev.tailor.tensor.Workspace;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * The output head and the cross-entropy in one: {@code loss[r] = lse(h[r] . W^T) - h[r] . W[t_r]}
 * for n scored rows, without ever holding the (n, V) logits. Rows are taken in blocks of
 * {@link Blocks#rows} and the vocabulary in slices of {@link Blocks#vocab}: one (rows, vocab)
 * buffer of logits at a time, whose size a memory budget sets.
 *
 * <p>Slicing the vocabulary (rather than only cutting the rows into small chunks) lets each GEMM
 * pack the weight once for all the rows of a block, which is what keeps the GEMMs at full speed:
 * a 64-row chunk would re-read (and, for BF16 / NF4, re-widen) the whole (V, C) weight for every
 * 64 rows. The price is an online log-sum-exp: a running max m and sum s per row, rescaled by
 * exp(m_old - m_new) when a later slice raises the max (as flash attention does with its softmax).
 *
 * <p>The input gradient is formed in the same pass, since the loss is a scalar and its gradient is
 * known up to the upstream factor: dh[r] = scale * (sum_v softmax_v W[v] - W[t_r]) where the
 * softmax-weighted sum is accumulated slice by slice as acc[r] = sum_v exp(z_v - m) W[v] (a GEMM,
 * rescaled with the max) and divided by s at the end. That keeps the head at two GEMMs for a frozen
 * weight, as with materialised logits, where recomputing the logits in the backward would take
 * three: on the Qwen2.5-0.5B head (511 scored rows, C 896, V 151936, 2-vCPU EPYC) the loss alone
 * takes 3.1 s and the loss with dh 6.2 s, against 6.7 s for materialised logits, their
 * cross-entropy and dX; a recomputing backward would add the 3.1 s again. The weight gradient
 * ({@link #weightGrad}) does recompute each slice of logits: adding into dW during the forward
 * would be wrong when no backward follows, and a (V, C) copy of dW per step would cost more memory
 * than the logits it replaces. A trainable head (full fine-tuning, a trained tied embedding) so
 * costs four GEMMs instead of three.
 */
public final class LinearCrossEntropy {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** Floats of the logits buffer: 8 Mi floats = 32 MiB, whatever the vocabulary and the batch. */
    public static final int BUDGET_FLOATS = 8 << 20;
    /** Most rows per block: more rows would only narrow the vocabulary slices (4096 wide at 2048 rows). */
    static final int MAX_ROWS = 2048;

    private LinearCrossEntropy() {}

    /** The tiling: blocks of {@code rows} rows, slices of {@code vocab} vocabulary entries. */
    public record Blocks(int rows, int vocab) {
        public Blocks {
            if (rows < 1 || vocab < 1) throw new IllegalArgumentException("blocks need rows >= 1 and vocab >= 1, got " + rows + ", " + vocab);
        }

        /** Blocks for n rows over V classes within {@link #BUDGET_FLOATS}: depends on n and V only, so results are reproducible. */
        public static Blocks of(int n, int V) {
            int rows = Math.max(1, Math.min(n, MAX_ROWS));
            int vocab = BUDGET_FLOATS / rows / 64 * 64; // whole 64-column panels
            return new Blocks(rows, Math.min(V, vocab));
        }
    }

    /**
     * rowLoss[r] = lse[r] - z[r, targets[r]] with z = h . W^T and lse[r] = log sum_v exp(z[r, v]);
     * with dh non-null also dh[r] = scale * (softmax(z[r]) . W - W[targets[r]]), the gradient of
     * scale * sum_r rowLoss[r] with respect to h[r].
     * // rowLoss (n), dh (n, C) or null, lse (n) saved for backward; h (n, C), targets (n) in [0, V), w (V, C)
     */
    public static void forward(float[] rowLoss, float[] dh, float[] lse, float[] h, int[] targets, Storage w, float scale,
                               int n, int C, int V, Blocks blocks) {
        // (rows, vocab) logits, then exp(z - m); in a training step the same tile serves the backward and the next step
        float[] z = Workspace.floats(blocks.rows() * Math.min(V, blocks.vocab()));
        float[] max = new float[n], sum = new float[n], zt = new float[n];  // (n) running max, running sum, target logit
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        if (dh != null) Arrays.fill(dh, 0, n * C, 0f);
        for (int r0 = 0; r0 < n; r0 += blocks.rows()) {
            int rows = Math.min(blocks.rows(), n - r0);
            for (int v0 = 0; v0 < V; v0 += blocks.vocab()) {
                int vc = Math.min(blocks.vocab(), V - v0), first = v0, row0 = r0;
                // z (rows, vc) = h[r0 ..] (rows, C) . W[v0 .. v0+vc)^T
                Gemm.gemm(z, 0, vc, false, h, r0 * C, C, false, w, (long) v0 * C, C, true, rows, vc, C);
                Parallel.forChunks(rows, Elementwise.rowsPerChunk(vc), (c, a, b) -> {
                    for (int r = a; r < b; r++) online(z, r * vc, vc, row0 + r, first, targets, max, sum, zt, dh, C);
                });
                // acc (rows, C) += exp(z - m) (rows, vc) . W[v0 .. v0+vc) (vc, C)
                if (dh != null) Gemm.gemm(dh, r0 * C, C, true, z, 0, vc, false, w, (long) v0 * C, C, false, rows, C, vc);
            }
        }
        Parallel.forChunks(n, Elementwise.rowsPerChunk(C), (c, a, b) -> {
            float[] wt = dh == null ? null : new float[C]; // (C) the target's weight row, widened
            for (int r = a; r < b; r++) {
                lse[r] = max[r] + (float) Math.log(sum[r]);
                rowLoss[r] = lse[r] - zt[r];
                if (dh != null) finishInputGrad(dh, r * C, wt, w, targets[r], scale / sum[r], scale, C);
            }
        });
        Workspace.giveBack(z);
    }

    /**
     * One row of one slice: takes the target's logit if it falls in the slice, raises the running
     * max, rescales the running sum (and the row's acc) to the new max, and replaces the logits by
     * exp(z - max) (needed only when the input gradient is formed) while adding them to the sum.
     */
    private static void online(float[] z, int o, int vc, int r, int v0, int[] targets, float[] max, float[] sum, float[] zt, float[] acc, int C) {
        int t = targets[r] - v0;
        if (t >= 0 && t < vc) zt[r] = z[o + t];
        float m = Math.max(max[r], Rows.max(z, o, vc));
        if (v0 > 0 && m != max[r]) {
            float alpha = Lanes.exp(max[r] - m); // (0, 1): the earlier slices' terms, seen from the new max
            sum[r] *= alpha;
            if (acc != null) scaleRow(acc, r * C, C, alpha);
        }
        max[r] = m;
        sum[r] += acc == null ? Rows.sumExp(z, o, vc, m) : Rows.expShifted(z, o, o + vc, m);
    }

    private static void scaleRow(float[] a, int o, int n, float f) {
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) FloatVector.fromArray(S, a, o + j).mul(f).intoArray(a, o + j);
        for (; j < n; j++) a[o + j] *= f;
    }

    /** dh[o..o+C) = acc * (scale / s) - scale * W[t]: the softmax-weighted rows minus the target's row. */
    private static void finishInputGrad(float[] dh, int o, float[] wt, Storage w, int t, float accScale, float scale, int C) {
        w.widen((long) t * C, wt, 0, C);
        int j = 0, bound = S.loopBound(C);
        for (; j < bound; j += S.length()) {
            FloatVector a = FloatVector.fromArray(S, dh, o + j).mul(accScale);
            a.sub(FloatVector.fromArray(S, wt, j).mul(scale)).intoArray(dh, o + j);
        }
        for (; j < C; j++) dh[o + j] = dh[o + j] * accScale - wt[j] * scale;
    }

    /**
     * Backward of {@code loss = scale * sum_r (lse[r] - z[r, targets[r]])}, z = h . W^T, for the
     * weight: dw[v] += scale * sum_r (exp(z[r, v] - lse[r]) - [v == targets[r]]) h[r], recomputing
     * z slice by slice from h and W.
     * // dw (V, C); h (n, C), lse (n) from forward, targets (n), w (V, C)
     */
    public static void weightGrad(float[] dw, float[] h, float[] lse, int[] targets, Storage w, float scale,
                                  int n, int C, int V, Blocks blocks) {
        float[] g = Workspace.floats(blocks.rows() * Math.min(V, blocks.vocab())); // (rows, vocab) logits, then their gradient
        FloatStorage hs = new FloatStorage(h);
        for (int r0 = 0; r0 < n; r0 += blocks.rows()) {
            int rows = Math.min(blocks.rows(), n - r0);
            for (int v0 = 0; v0 < V; v0 += blocks.vocab()) {
                int vc = Math.min(blocks.vocab(), V - v0), first = v0, row0 = r0;
                Gemm.gemm(g, 0, vc, false, h, r0 * C, C, false, w, (long) v0 * C, C, true, rows, vc, C);
                Parallel.forChunks(rows, Elementwise.rowsPerChunk(vc), (c, a, b) -> {
                    for (int r = a; r < b; r++) logitsGrad(g, r * vc, vc, lse[row0 + r], targets[row0 + r] - first, scale);
                });
                // dW[v0 .. v0+vc) (vc, C) += g^T (vc, rows) . h[r0 ..] (rows, C)
                Gemm.gemm(dw, v0 * C, C, true, g, 0, vc, true, hs, (long) r0 * C, C, false, vc, C, rows);
            }
        }
        Workspace.giveBack(g);
    }

    /** g[o..o+n) = scale * (exp(z - lse) - onehot(t)), t relative to the slice (outside it: no onehot). */
    private static void logitsGrad(float[] g, int o, int n, float lse, int t, float scale) {
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            Lanes.exp(FloatVector.fromArray(S, g, o + j).sub(lse)).mul(scale).intoArray(g, o + j);
        }
        for (; j < n; j++) g[o + j] = Lanes.exp(g[o + j] - lse) * scale;
        if (t >= 0 && t < n) g[o + t] -= scale;
    }

    // ---- the scalar twins: whole rows of logits, two passes, the definitions written out ----

    public static void forwardScalar(float[] rowLoss, float[] dh, float[] lse, float[] h, int[] targets, Storage w, float scale,
                                     int n, int C, int V) {
        float[] z = new float[V];
        for (int r = 0; r < n; r++) {
            logitsScalar(z, h, r * C, w, C, V);
            float max = Float.NEGATIVE_INFINITY, sum = 0f;
            for (int v = 0; v < V; v++) max = Math.max(max, z[v]);
            for (int v = 0; v < V; v++) sum += (float) Math.exp(z[v] - max);
            lse[r] = max + (float) Math.log(sum);
            rowLoss[r] = lse[r] - z[targets[r]];
            if (dh == null) continue;
            for (int c = 0; c < C; c++) {
                float d = 0f;
                for (int v = 0; v < V; v++) d += ((float) Math.exp(z[v] - lse[r]) - (v == targets[r] ? 1f : 0f)) * w.get((long) v * C + c);
                dh[r * C + c] = scale * d;
            }
        }
    }

    public static void weightGradScalar(float[] dw, float[] h, float[] lse, int[] targets, Storage w, float scale, int n, int C, int V) {
        float[] z = new float[V];
        for (int r = 0; r < n; r++) {
            logitsScalar(z, h, r * C, w, C, V);
            for (int v = 0; v < V; v++) {
                float g = scale * ((float) Math.exp(z[v] - lse[r]) - (v == targets[r] ? 1f : 0f));
                for (int c = 0; c < C; c++) dw[v * C + c] += g * h[r * C + c];
            }
        }
    }

    /** z (V) = h[o..o+C) . W^T */
    private static void logitsScalar(float[] z, float[] h, int o, Storage w, int C, int V) {
        for (int v = 0; v < V; v++) {
            float s = 0f;
            for (int c = 0; c < C; c++) s += h[o + c] * w.get((long) v * C + c);
            z[v] = s;
        }
    }
}
