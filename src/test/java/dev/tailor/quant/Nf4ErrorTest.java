package dev.tailor.quant;

import dev.tailor.tensor.FloatStorage;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round trip of a real-shaped weight: Qwen2.5-0.5B's MLP weight (896 x 4864) drawn from N(0, 0.02),
 * the usual initialisation scale. Checked against references computed here independently:
 * every element must take the nearest NF4 level of x / absmax (the exact block absmax), the
 * error with double-quantised absmax must be within 1% of the error with exact absmax, and NF4
 * must beat a symmetric linear 4-bit code (levels k/7) on these normally distributed weights,
 * which is what NF4 is designed for.
 */
class Nf4ErrorTest {

    @Test void realShapedWeightRoundTrip() {
        int rows = 896, cols = 4864, n = rows * cols;
        double sigma = 0.02;
        SplittableRandom rnd = new SplittableRandom(2024);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (sigma * Nf4StorageTest.gaussian(rnd));
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(w));
        float[] back = q.dequantise().data();

        double seNf4 = 0, seExact = 0, seLinear = 0, sumAbs = 0, maxAbs = 0;
        for (int b = 0; b < n / Nf4Storage.BLOCK; b++) {
            int from = b * Nf4Storage.BLOCK;
            double absmax = 0;
            for (int j = 0; j < Nf4Storage.BLOCK; j++) absmax = Math.max(absmax, Math.abs(w[from + j]));
            for (int j = 0; j < Nf4Storage.BLOCK; j++) {
                int i = from + j;
                double u = w[i] / absmax;
                int got = q.index(i), near = nearest(u);
                // nearest level, up to float rounding of x * (1/absmax) at a midpoint
                if (got != near) {
                    assertTrue(Math.abs(u - Nf4Code.level(got)) <= Math.abs(u - Nf4Code.level(near)) + 1e-6,
                            "element " + i + ": u = " + u + " took level " + got + ", nearest is " + near);
                }
                double e = back[i] - w[i];
                seNf4 += e * e;
                sumAbs += Math.abs(e);
                maxAbs = Math.max(maxAbs, Math.abs(e));
                double exact = Nf4Code.level(near) * absmax - w[i];
                seExact += exact * exact;
                double linear = Math.round(u * 7) / 7.0 * absmax - w[i];
                seLinear += linear * linear;
            }
        }
        double rmse = Math.sqrt(seNf4 / n) / sigma, rmseExact = Math.sqrt(seExact / n) / sigma, rmseLinear = Math.sqrt(seLinear / n) / sigma;
        System.out.printf(java.util.Locale.ROOT, "NF4 896x4864 N(0,0.02): RMSE/std %.5f (exact absmax %.5f, linear int4 %.5f), "
                + "mean|e|/std %.5f, max|e| %.3e, bits/param %.5f%n", rmse, rmseExact, rmseLinear, sumAbs / n / sigma, maxAbs, q.bitsPerParameter());
        assertTrue(rmse <= rmseExact * 1.01, "double quantisation costs more than 1% of the RMSE: " + rmse + " vs " + rmseExact);
        assertTrue(rmse < rmseLinear, "NF4 RMSE/std " + rmse + " should beat linear 4-bit " + rmseLinear + " on Gaussian weights");
    }

    private static int nearest(double u) {
        int best = 0;
        for (int k = 1; k < 16; k++) if (Math.abs(u - Nf4Code.level(k)) < Math.abs(u - Nf4Code.level(best))) best = k;
        return best;
    }
}
