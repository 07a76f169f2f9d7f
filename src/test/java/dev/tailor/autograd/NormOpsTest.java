package dev.tailor.autograd;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Norms by hand on tiny rows and by central differences (step 1e-2, tolerance 1e-3 of the largest
 * gradient: the normalisations are smooth with O(1) third derivatives for rows of unit scale, and a
 * perturbation changes one row of C outputs, whose float rounding adds sqrt(C) * 1e-7 / 2e-2).
 */
class NormOpsTest {

    private static final double H = 1e-2, TOL = 1e-3;

    @AfterEach
    void clearTape() { Tape.clear(); }

    private static Tensor param(long seed, float lo, float hi, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return Tensor.of(uniform(seed, n, lo, hi), dims).requiresGrad(true);
    }

    @Test
    void rmsNormByHand() {
        // x = [1, 3]: mean(x^2) = 5; eps = 4 -> rsqrt(9) = 1/3; x/3 * [3, 2] = [1, 2]
        Tensor y = NormOps.rmsNorm(Tensor.of(new float[] {1, 3}, 1, 2), Tensor.of(new float[] {3, 2}, 2), 4f);
        assertClose(new float[] {1, 2}, y.data(), 0, 1e-6, "rmsNorm");
        // x = [2, -2, 2, -2]: mean(x^2) = 4, eps = 0 -> rstd 1/2
        Tensor z = NormOps.rmsNorm(Tensor.of(new float[] {2, -2, 2, -2}, 4), Tensor.of(new float[] {1, 2, 3, 0.5f}, 4), 0f);
        assertClose(new float[] {1, -2, 3, -0.5f}, z.data(), 0, 1e-6, "rmsNorm eps 0");
    }

    @Test
    void layerNormByHandUsesBiasedVariance() {
        // x = [1, 2, 3, 6]: mean 3, biased variance (4 + 1 + 0 + 9) / 4 = 3.5; eps 0.5 -> rstd 1/2
        // xhat = [-1, -0.5, 0, 1.5]; * w [1, 2, 3, 4] + b [0, 1, 0, -1] = [-1, 0, 0, 5]
        Tensor y = NormOps.layerNorm(Tensor.of(new float[] {1, 2, 3, 6}, 1, 4), Tensor.of(new float[] {1, 2, 3, 4}, 4),
                Tensor.of(new float[] {0, 1, 0, -1}, 4), 0.5f);
        assertClose(new float[] {-1, 0, 0, 5}, y.data(), 1e-6, 1e-6, "layerNorm");
        Tensor noBias = NormOps.layerNorm(Tensor.of(new float[] {1, 2, 3, 6}, 4), Tensor.of(new float[] {1, 2, 3, 4}, 4), null, 0.5f);
        assertClose(new float[] {-1, -1, 0, 6}, noBias.data(), 1e-6, 1e-6, "layerNorm without bias");
    }

    @Test
    void rmsNormGradients() {
        Tensor x = param(1, -2, 2, 3, 257), w = param(2, 0.5f, 1.5f, 257);
        GradCheck.check("rmsNorm x,w", H, TOL, () -> NormOps.rmsNorm(x, w, 1e-6f), x, w);
        Tensor x7 = param(3, -2, 2, 2, 3, 7), w7 = param(4, 0.5f, 1.5f, 7);
        GradCheck.check("rmsNorm C=7", H, TOL, () -> NormOps.rmsNorm(x7, w7, 1e-5f), x7, w7);
    }

    @Test
    void layerNormGradients() {
        Tensor x = param(5, -2, 3, 4, 33), w = param(6, 0.5f, 1.5f, 33), b = param(7, -1, 1, 33);
        GradCheck.check("layerNorm x,w,b", H, TOL, () -> NormOps.layerNorm(x, w, b, 1e-5f), x, w, b);
        Tensor x257 = param(8, -2, 3, 2, 257), w257 = param(9, 0.5f, 1.5f, 257);
        GradCheck.check("layerNorm C=257 no bias", H, TOL, () -> NormOps.layerNorm(x257, w257, null, 1e-5f), x257, w257);
    }

    @Test
    void frozenBf16WeightIsReadInPlaceAndGetsNoGradient() {
        float[] wv = {0.5f, 1.25f, -2f, 3f, 0.75f, 1f, -0.125f}; // exact in bfloat16
        MemorySegment seg = MemorySegment.ofArray(new short[7]);
        for (int i = 0; i < 7; i++) seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, SegmentStorage.floatToBf16(wv[i]));
        Tensor wBf16 = new Tensor(Shape.of(7), new SegmentStorage(seg, DType.BF16));
        Tensor x = param(10, -1, 1, 3, 7);
        Tensor expected = NormOps.rmsNorm(x, Tensor.of(wv, 7), 1e-6f);
        Tensor y = NormOps.rmsNorm(x, wBf16, 1e-6f);
        assertArrayEquals(expected.data(), y.data());
        Tape.clear();
        GradCheck.check("rmsNorm x with frozen BF16 w", H, TOL, () -> NormOps.rmsNorm(x, wBf16, 1e-6f), x);
        GradCheck.check("layerNorm x with frozen BF16 w", H, TOL, () -> NormOps.layerNorm(x, wBf16, null, 1e-6f), x);
    }

    @Test
    void weightShapeMismatchIsNamed() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> NormOps.rmsNorm(Tensor.zeros(2, 5), Tensor.zeros(4), 1e-6f));
        assertTrue(e.getMessage().contains("(5)") && e.getMessage().contains("[4]"), e.getMessage());
    }
}
