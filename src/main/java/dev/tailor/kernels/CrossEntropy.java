package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused log-softmax + negative log-likelihood over rows of logits. The forward keeps only the
 * per-row log-sum-exp; the backward rebuilds softmax from it and writes straight into the logits
 * gradient, so no second (rows, V) buffer is ever allocated. A row whose target is negative is
 * ignored: no loss, no gradient, and no work.
 */
public final class CrossEntropy {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private CrossEntropy() {}

    /**
     * rowLoss[r] = lse[r] - logits[r, targets[r]], lse[r] = max + log(sum(exp(logits[r] - max))),
     * for rows with targets[r] >= 0; ignored rows get rowLoss 0 and lse NaN.
     * // rowLoss (rows), lse (rows) saved for backward, logits (rows, V), targets (rows)
     */
    public static void forward(float[] rowLoss, float[] lse, float[] logits, int[] targets, int rows, int V) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(V), (c, r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                if (targets[r] < 0) { rowLoss[r] = 0f; lse[r] = Float.NaN; continue; }
                int o = r * V;
                float max = Rows.max(logits, o, V);
                float l = max + (float) Math.log(Rows.sumExp(logits, o, V, max));
                lse[r] = l;
                rowLoss[r] = l - logits[o + targets[r]];
            }
        });
    }

    public static void forwardScalar(float[] rowLoss, float[] lse, float[] logits, int[] targets, int rows, int V) {
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) { rowLoss[r] = 0f; lse[r] = Float.NaN; continue; }
            int o = r * V;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < V; j++) max = Math.max(max, logits[o + j]);
            float sum = 0f;
            for (int j = 0; j < V; j++) sum += (float) Math.exp(logits[o + j] - max);
            float l = max + (float) Math.log(sum);
            lse[r] = l;
            rowLoss[r] = l - logits[o + targets[r]];
        }
    }

    /**
     * Backward of {@code loss = scale-weighted sum of (lse[r] - logits[r, t])}:
     * dlogits[r] += scale * (exp(logits[r] - lse[r]) - onehot(t)) for counted rows only.
     * // dlogits (rows, V), logits (rows, V), lse (rows), targets (rows)
     */
    public static void backward(float[] dlogits, float[] logits, float[] lse, int[] targets, float scale, int rows, int V) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(V), (c, r0, r1) -> {
            int bound = S.loopBound(V);
            for (int r = r0; r < r1; r++) {
                if (targets[r] < 0) continue;
                int o = r * V, j = 0;
                float l = lse[r];
                for (; j < bound; j += S.length()) {
                    FloatVector p = Lanes.exp(FloatVector.fromArray(S, logits, o + j).sub(l));
                    p.fma(FloatVector.broadcast(S, scale), FloatVector.fromArray(S, dlogits, o + j)).intoArray(dlogits, o + j);
                }
                for (; j < V; j++) dlogits[o + j] = Math.fma(Lanes.exp(logits[o + j] - l), scale, dlogits[o + j]);
                dlogits[o + targets[r]] -= scale;
            }
        });
    }

    public static void backwardScalar(float[] dlogits, float[] logits, float[] lse, int[] targets, float scale, int rows, int V) {
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) continue;
            int o = r * V;
            for (int j = 0; j < V; j++) dlogits[o + j] += scale * (float) Math.exp(logits[o + j] - lse[r]);
            dlogits[o + targets[r]] -= scale;
        }
    }
}
