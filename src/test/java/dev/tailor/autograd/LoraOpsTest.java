package dev.tailor.autograd;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The fused LoRA linear against the same expression written as separate ops, and against finite differences. */
class LoraOpsTest {

    private static Tensor random(Random r, boolean trainable, int... dims) {
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() * 2 - 1;
        return t.requiresGrad(trainable);
    }

    /** base(x) + scale · (xa Aᵀ) Bᵀ as the unfused ops compute it. */
    private static Tensor unfused(Tensor x, Tensor w, Tensor bias, WeightLayout layout, Tensor xa, Tensor a, Tensor b, float scale) {
        Tensor update = BasicOps.scale(MatOps.linear(MatOps.linear(xa, a, null), b, null), scale);
        return BasicOps.add(MatOps.linear(x, w, bias, layout), update);
    }

    /**
     * Odd sizes (rows 7·3, in 33, out 257, r 5). The two differ only in where the scale is applied
     * and in summation order: float32 rounding of O(1)·sqrt(33) sums, 1e-5 relative covers it.
     */
    @Test
    void matchesTheUnfusedOpsForwardAndBackward() {
        for (WeightLayout layout : WeightLayout.values()) {
            Random r = new Random(11);
            Tensor x = random(r, true, 7, 3, 33);
            Tensor w = layout == WeightLayout.OUT_IN ? random(r, false, 257, 33) : random(r, false, 33, 257);
            Tensor bias = random(r, true, 257), a = random(r, true, 5, 33), b = random(r, true, 257, 5);
            Tensor dy = random(r, false, 7, 3, 257);
            float[][] fused = run(() -> LoraOps.linear(x, w, bias, layout, x, a, b, 0.75f), dy, x, bias, a, b);
            float[][] plain = run(() -> unfused(x, w, bias, layout, x, a, b, 0.75f), dy, x, bias, a, b);
            for (int i = 0; i < fused.length; i++) {
                double max = 0;
                for (float v : plain[i]) max = Math.max(max, Math.abs(v));
                for (int j = 0; j < fused[i].length; j++) assertEquals(plain[i][j], fused[i][j], 1e-5 * max, layout + " output/grad " + i + " at " + j);
            }
        }
    }

    /** Output, then the gradients of each tensor in {@code grads}, for the seed gradient dy. */
    private static float[][] run(GradCheck.Forward f, Tensor dy, Tensor... grads) {
        for (Tensor t : grads) t.dropGrad();
        Tensor y = f.apply();
        float[] out = y.data().clone();
        Tape.backward(y, dy.data());
        float[][] res = new float[grads.length + 1][];
        res[0] = out;
        for (int i = 0; i < grads.length; i++) res[i + 1] = grads[i].grad().clone();
        return res;
    }

    /** Central differences in double (GradCheck); 1e-2 of the largest gradient at step 1e-2. */
    @Test
    void gradientsMatchFiniteDifferencesWithASeparateAdapterInput() {
        Random r = new Random(12);
        Tensor x = random(r, true, 7, 33), xa = random(r, true, 7, 33);
        Tensor w = random(r, true, 19, 33), a = random(r, true, 3, 33), b = random(r, true, 19, 3);
        GradCheck.check("lora linear", 1e-2, 1e-2, () -> LoraOps.linear(x, w, null, WeightLayout.OUT_IN, xa, a, b, 2f), x, xa, w, a, b);
    }

    @Test
    void frozenAdapterInputGetsNoGradientAndShapesAreChecked() {
        Random r = new Random(13);
        Tensor x = random(r, false, 4, 8), w = random(r, false, 6, 8), a = random(r, true, 2, 8), b = random(r, true, 6, 2);
        Tensor y = LoraOps.linear(x, w, null, WeightLayout.OUT_IN, x, a, b, 1f);
        Tape.backward(BasicOps.sum(y));
        assertNull(x.grad());
        assertNull(w.grad());
        assertNotNull(a.grad());
        var e = assertThrows(IllegalArgumentException.class, () -> LoraOps.linear(x, w, null, WeightLayout.OUT_IN, x, random(r, true, 2, 7), b, 1f));
        assertTrue(e.getMessage().contains("A must be (r, 8)"), e.getMessage());
    }
}
