package dev.tailor.train;

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
            double s = 0;
            for (float x : g) s += (double) x * x;
            sum += s;
        }
        return Math.sqrt(sum);
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
            for (int i = 0; i < g.length; i++) g[i] *= c;
        }
    }

    static void zero(List<Param> params) {
        for (Param p : params) p.tensor().zeroGrad();
    }
}
