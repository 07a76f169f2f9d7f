package dev.tailor.train;

import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class NoisyTuneTest {

    /** std of (1, 2, 3, 4) by hand: mean 2.5, squares 2.25 + 0.25 + 0.25 + 2.25 = 5, / 3 -> sqrt(5/3). */
    @Test
    void stdIsTorchsUnbiasedOne() {
        assertEquals(Math.sqrt(5.0 / 3), NoisyTune.std(new float[] {1, 2, 3, 4}), 1e-12);
        assertEquals(0, NoisyTune.std(new float[] {7}));
    }

    /**
     * 200,003 entries of std s = 2 (±2 alternating) with λ = 0.1: the noise is uniform on
     * [-λs/2, λs/2) = [-0.1, 0.1), so its variance is (λs)²/12 = 3.333e-3 (within 2%: the sampling
     * error of a variance over 2e5 uniform draws is 0.5%), its mean is within 5 standard errors of
     * 0 and its extremes are within 1e-3 of the bounds. Constant tensors (no spread) are untouched,
     * and the same seed gives the same noise.
     */
    @Test
    void noiseIsUniformAndScaledToEachTensorsSpread() {
        int n = 200_003;
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = i % 2 == 0 ? 2f : -2f;
        float[] ones = {1, 1, 1, 1};
        Map<String, Tensor> ts = new LinkedHashMap<>();
        ts.put("w", Tensor.of(w.clone(), n));
        ts.put("norm", Tensor.of(ones.clone(), 4));
        double s = NoisyTune.std(w);
        NoisyTune.perturb(ts, 0.1, 42);
        float[] d = ts.get("w").data();
        double mean = 0, var = 0, min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (int i = 0; i < n; i++) { double e = d[i] - w[i]; mean += e; min = Math.min(min, e); max = Math.max(max, e); }
        mean /= n;
        for (int i = 0; i < n; i++) { double e = d[i] - w[i] - mean; var += e * e; }
        var /= n - 1;
        double bound = 0.1 * s / 2, expectedVar = Math.pow(0.1 * s, 2) / 12;
        assertEquals(expectedVar, var, 0.02 * expectedVar);
        assertEquals(0, mean, 5 * Math.sqrt(expectedVar / n));
        assertTrue(min >= -bound - 1e-6 && min < -bound + 1e-3, "min " + min);
        assertTrue(max < bound + 1e-6 && max > bound - 1e-3, "max " + max);
        assertArrayEquals(ones, ts.get("norm").data());
        Map<String, Tensor> again = Map.of("w", Tensor.of(w.clone(), n));
        NoisyTune.perturb(again, 0.1, 42);
        assertArrayEquals(d, again.get("w").data());
    }

    @Test
    void refusesANegativeLambda() {
        var e = assertThrows(IllegalArgumentException.class, () -> NoisyTune.perturb(Map.of(), -1, 0));
        assertEquals("--noisytune must be a finite number >= 0, got -1.0", e.getMessage());
    }
}
