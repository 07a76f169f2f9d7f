package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Storage;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Embedding lookup (rows of a table in any storage, widened to float32) and its scatter-add backward. */
public final class Embeddings {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Embeddings() {}

    /** out[r] = w[ids[r]], widened to float32. Ids must be in [0, V). // out (N, C), w (V, C), ids (N) */
    public static void lookup(float[] out, Storage w, int[] ids, int C) {
        Parallel.forChunks(ids.length, Elementwise.rowsPerChunk(C), (c, r0, r1) -> {
            for (int r = r0; r < r1; r++) w.widen((long) ids[r] * C, out, r * C, C);
        });
    }

    public static void lookupScalar(float[] out, Storage w, int[] ids, int C) {
        for (int r = 0; r < ids.length; r++) {
            for (int j = 0; j < C; j++) out[r * C + j] = w.get((long) ids[r] * C + j);
        }
    }

    /**
     * Backward of {@code out[r] = w[ids[r]]}: dw[ids[r]] += g[r]. The work is split over columns,
     * not positions, so repeated ids never race and the sum order is fixed.
     * // dw (V, C), g (N, C), ids (N)
     */
    public static void scatterAdd(float[] dw, float[] g, int[] ids, int C) {
        int minCols = Math.max(S.length(), Elementwise.MIN_PER_CHUNK / Math.max(1, ids.length));
        Parallel.forChunks(C, minCols, (c, j0, j1) -> {
            int n = j1 - j0, bound = S.loopBound(n);
            for (int r = 0; r < ids.length; r++) {
                int go = r * C + j0, wo = ids[r] * C + j0, j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, g, go + j).add(FloatVector.fromArray(S, dw, wo + j)).intoArray(dw, wo + j);
                }
                for (; j < n; j++) dw[wo + j] += g[go + j];
            }
        });
    }

    public static void scatterAddScalar(float[] dw, float[] g, int[] ids, int C) {
        for (int r = 0; r < ids.length; r++) {
            for (int j = 0; j < C; j++) dw[ids[r] * C + j] += g[r * C + j];
        }
    }
}
