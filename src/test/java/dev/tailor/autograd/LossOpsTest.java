package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Cross-entropy by hand (values computed in double from the definitions), Hugging Face's shift
 * and -100 rules, and the fused gradient by central differences. The loss is one float32 scalar
 * (ulp about 5e-7 near 4), so with step 1e-2 its rounding is 2.5e-5 of a gradient whose largest
 * entry is about 1 / count: tolerance 1e-3 of the largest gradient.
 */
class LossOpsTest {

    private static final int I = LossOps.IGNORE_INDEX;

    @AfterEach
    void clearTape() { Tape.clear(); }

    /** (B=1, T=3, V=3): rows [1, 2, 3], [0, 0, ln 2], [5, -5, 0]. */
    private static float[] tinyLogits(float offset) {
        float ln2 = (float) Math.log(2);
        return new float[] {1 + offset, 2 + offset, 3 + offset, offset, offset, ln2 + offset, 5 + offset, -5 + offset, offset};
    }

    @Test
    void uniformLogitsGiveLnV() {
        float[] x = new float[2 * 3 * 7];
        Arrays.fill(x, 0.3f);
        Tensor logits = Tensor.of(x, 2, 3, 7);
        int[] labels = {1, 6, 0, 2, I, 5};
        assertEquals(Math.log(7), LossOps.crossEntropy(logits, labels, true).item(), 1e-6);
        assertEquals(Math.log(7), LossOps.crossEntropy(logits, labels, false).item(), 1e-6);
    }

    @Test
    void tinyExampleByHand() {
        // row 0 scored against 2: log(e + e^2 + e^3) - 3 = log(1 + e^-1 + e^-2) = 0.4076059644443804
        // row 1 scored against 0: log(1 + 1 + 2) - 0 = ln 4 = 1.3862943611198906; mean 0.8969501627821355
        Tensor shifted = Tensor.of(tinyLogits(0), 1, 3, 3).requiresGrad(true);
        Tensor loss = LossOps.crossEntropy(shifted, new int[] {I, 2, 0}, true);
        assertEquals(0.8969501627821355, loss.item(), 1e-6);
        Tape.backward(loss);
        // (softmax - onehot) / 2: row 0 = [e, e^2, e^3] / (2 S) - [0, 0, 1/2]; row 1 = ([1/4, 1/4, 1/2] - [1, 0, 0]) / 2; row 2 unscored
        assertClose(new float[] {0.04501528659f, 0.1223642355f, 0.3326204779f - 0.5f, -0.375f, 0.125f, 0.25f, 0, 0, 0},
                shifted.grad(), 1e-7, 1e-5, "dlogits");

        Tensor unshifted = Tensor.of(tinyLogits(0), 1, 3, 3);
        assertEquals(0.8969501627821355, LossOps.crossEntropy(unshifted, new int[] {2, 0, I}, false).item(), 1e-6);
        assertEquals(0.4076059644443804, LossOps.crossEntropy(unshifted, new int[] {2, I, I}, false).item(), 1e-6);
    }

    @Test
    void largeLogitsStayFinite() {
        // exp(1003) overflows float and double; subtracting the row max keeps the same loss
        Tensor big = Tensor.of(tinyLogits(1000f), 1, 3, 3);
        assertEquals(0.8969501627821355, LossOps.crossEntropy(big, new int[] {I, 2, 0}, true).item(), 1e-4);
    }

    @Test
    void shiftStaysWithinEachRow() {
        // B=2, T=2: with shift only position 0 of each row is scored, against label 1 of the same row
        float[] x = new float[2 * 2 * 3];
        x[2] = 100f;      // row 0, position 0 is sure of token 2
        x[6 + 0] = 100f;  // row 1, position 0 is sure of token 0
        x[3 + 1] = 100f;  // row 0, position 1 (unscored) is sure of token 1
        Tensor logits = Tensor.of(x, 2, 2, 3);
        assertEquals(0f, LossOps.crossEntropy(logits, new int[] {I, 2, I, 0}, true).item(), 1e-6);
        assertEquals(100f, LossOps.crossEntropy(logits, new int[] {I, 1, I, 0}, true).item() * 2, 1e-3,
                "row 0 misses by 100 nats, row 1 is exact");
    }

    @Test
    void noCountedTokenGivesNaNAndZeroGradient() {
        Tensor logits = Tensor.of(uniform(1, 2 * 3 * 5, -1, 1), 2, 3, 5).requiresGrad(true);
        Tensor loss = LossOps.crossEntropy(logits, new int[] {1, I, I, 4, I, I}, true);
        assertTrue(Float.isNaN(loss.item()), "0 / 0 as torch's mean over no tokens");
        Tape.backward(loss);
        if (logits.grad() != null) for (float g : logits.grad()) assertEquals(0f, g);
    }

    @Test
    void countedTokensFollowShiftAndIgnoreIndex() {
        int[] labels = {5, I, 3, I, 1, 2}; // B=2, T=3
        assertEquals(3, LossOps.countedTokens(labels, 2, 3, true));
        assertEquals(4, LossOps.countedTokens(labels, 2, 3, false));
    }

    @Test
    void badLabelIsNamed() {
        Tensor logits = Tensor.zeros(2, 3, 5);
        var e = assertThrows(IllegalArgumentException.class, () -> LossOps.crossEntropy(logits, new int[] {0, 1, 2, 3, 7, 4}, true));
        assertTrue(e.getMessage().contains("label 7") && e.getMessage().contains("row 1") && e.getMessage().contains("position 1"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LossOps.crossEntropy(logits, new int[] {0, 1, 2}, true));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Tensor logits = Tensor.of(uniform(2, 2 * 5 * 33, -3, 3), 2, 5, 33).requiresGrad(true);
        int[] labels = {0, 32, I, 7, 7, 1, 2, 3, I, I};
        GradCheck.check("crossEntropy shift", 1e-2, 1e-3, () -> LossOps.crossEntropy(logits, labels, true), logits);
        GradCheck.check("crossEntropy no shift", 1e-2, 1e-3, () -> LossOps.crossEntropy(logits, labels, false), logits);
        Tensor wide = Tensor.of(uniform(3, 7 * 257, -3, 3), 1, 7, 257).requiresGrad(true);
        int[] l2 = {1, 256, 0, 100, I, 7, 200};
        GradCheck.check("crossEntropy V=257", 1e-2, 1e-3, () -> LossOps.crossEntropy(wide, l2, true), wide);
    }
}
