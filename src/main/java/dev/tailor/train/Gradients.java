package dev.tailor.train;

import dev.tailor.tensor.Parallel;

import java.util.List;

/** Whole-model gradient arithmetic: the global norm, clipping, zeroing. */
final class Gradients {

    private Gradients() {}

    /** sqrt of the sum of squares of every gradient element, in double; NaN or Inf when any element is. */
    static double globalNorm(List<Param> params) {
        double sum = 0;
        for (Param p : params) {
            float[] g = p.tensor().grad();
            if (g == null) continue;
            sum += sumOfSquares(g);
        }
        return Math.sqrt(sum);
    }

    /** Elements per block of {@link #sumOfSquares}: the blocks, not the threads, fix the order of the sum. */
    private static final int BLOCK = 1 << 14;

    /**
     * Σ x² in double over fixed blocks of {@link #BLOCK} elements, each summed with four
     * interleaved accumulators, the block sums then added in order: the same bits whatever the
     * number of threads, and no single dependency chain over a hundred million elements.
     */
    static double sumOfSquares(float[] g) {
        int blocks = (g.length + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        Parallel.forChunks(blocks, 8, (chunk, from, to) -> {
            for (int b = from; b < to; b++) {
                int lo = b * BLOCK, hi = Math.min(g.length, lo + BLOCK), i = lo;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (; i + 3 < hi; i += 4) {
                    s0 += (double) g[i] * g[i];
                    s1 += (double) g[i + 1] * g[i + 1];
                    s2 += (double) g[i + 2] * g[i + 2];
                    s3 += (double) g[i + 3] * g[i + 3];
                }
                for (; i < hi; i++) s0 += (double) g[i] * g[i];
                partial[b] = (s0 + s1) + (s2 + s3);
            }
        });
        double sum = 0;
        for (double v : partial) sum += v;
        return sum;
    }

    /**
     * Scales every gradient so the global norm is at most {@code maxNorm}, as
     * torch.nn.utils.clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), applied only when below 1.
     */
    static void clip(List<Param> params, double norm, double maxNorm) {
        double coef = maxNorm / (norm + 1e-6);
        if (coef >= 1) return;
        float c = (float) coef;
        for (Param p : params) {
            float[] g = p.tensor().grad();
            if (g == null) continue;
            Parallel.forChunks(g.length, 1 << 16, (chunk, from, to) -> {
                for (int i = from; i < to; i++) g[i] *= c;
            });
        }
    }

    static void zero(List<Param> params) {
        for (Param p : params) p.tensor().zeroGrad();
    }
}
