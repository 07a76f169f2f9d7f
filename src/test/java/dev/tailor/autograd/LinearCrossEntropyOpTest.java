package dev.tailor.autograd;

import dev.tailor.kernels.LinearCrossEntropy.Blocks;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static dev.tailor.Approx.assertCloseToMax;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link LossOps#linearCrossEntropy} against the unfused path it replaces, {@code crossEntropy(linear(h, W))},
 * at sizes the tiling does not divide, with -100 labels, shift on and off, an upstream gradient
 * other than 1, trainable and frozen (BF16) weights and a tied weight; and against finite
 * differences.
 *
 * <p>Tolerances. The logits are the same GEMM products either way; what differs is the order of
 * the sums over the vocabulary: the fused log-sum-exp runs online over slices (a rescale by
 * exp(m_old - m_new) per slice) and dh = sum_v softmax_v W[v] is accumulated slice by slice and
 * divided at the end, where the unfused path sums (softmax - onehot) W in one GEMM. Each is a
 * float32 sum of at most V terms whose rounding is a few ulp of the largest partial sum, so the
 * loss (a mean of row losses of order ln V, summed in double) agrees to 1e-6 relative and the
 * gradients to 1e-5 of the tensor's largest entry: ten times looser than the loss because a
 * gradient entry is a difference of terms as large as the entry itself (softmax-weighted mean
 * row minus the target's row), while the loss is a sum of positive terms.
 */
class LinearCrossEntropyOpTest {

    private static final int I = LossOps.IGNORE_INDEX;

    @AfterEach void clearTape() { Tape.clear(); }

    @ParameterizedTest(name = "B={0} T={1} C={2} V={3} shift={4} blocks=({5}, {6})")
    @CsvSource({
            "2, 7, 13, 301, true, 3, 64", "2, 7, 13, 301, false, 5, 100", "1, 1, 4, 5, false, 1, 2",
            "3, 11, 32, 1001, true, 0, 0", "1, 37, 20, 257, true, 16, 256", "4, 9, 24, 513, true, 7, 77"})
    void matchesTheUnfusedPath(int B, int T, int C, int V, boolean shift, int rowBlock, int vocabSlice) {
        int[] labels = labels(B * T, V, 5);
        float g = 0.37f; // the upstream gradient: the Trainer scales each micro-batch's mean by its token share
        Blocks blocks = rowBlock == 0 ? null : new Blocks(rowBlock, vocabSlice);

        Tensor h1 = Tensor.of(uniform(1, B * T * C, -1, 1), B, T, C).requiresGrad(true);
        Tensor w1 = Tensor.of(uniform(2, V * C, -1, 1), V, C).requiresGrad(true);
        Tensor unfused = LossOps.crossEntropy(MatOps.linear(h1, w1, null), labels, shift);
        Tape.backward(BasicOps.scale(unfused, g));

        Tensor h2 = Tensor.of(uniform(1, B * T * C, -1, 1), B, T, C).requiresGrad(true);
        Tensor w2 = Tensor.of(uniform(2, V * C, -1, 1), V, C).requiresGrad(true);
        Tensor fused = LossOps.linearCrossEntropy(h2, w2, labels, shift, blocks);
        Tape.backward(BasicOps.scale(fused, g));

        assertEquals(unfused.item(), fused.item(), 1e-6 * Math.abs(unfused.item()), "loss");
        assertCloseToMax(h1.grad(), h2.grad(), 1e-5, "dh");
        assertCloseToMax(w1.grad(), w2.grad(), 1e-5, "dW");
    }

    @Test
    void aFrozenBf16WeightGetsNoGradientAndGivesTheSameDh() {
        int B = 2, T = 6, C = 16, V = 333;
        int[] labels = labels(B * T, V, 3);
        Tensor w = bf16(Tensor.of(uniform(4, V * C, -1, 1), V, C));
        Tensor h1 = Tensor.of(uniform(5, B * T * C, -1, 1), B, T, C).requiresGrad(true);
        Tensor unfused = LossOps.crossEntropy(MatOps.linear(h1, w, null), labels, true);
        Tape.backward(unfused);
        Tensor h2 = Tensor.of(uniform(5, B * T * C, -1, 1), B, T, C).requiresGrad(true);
        Tensor fused = LossOps.linearCrossEntropy(h2, w, labels, true, new Blocks(4, 50));
        Tape.backward(fused);
        assertEquals(unfused.item(), fused.item(), 1e-6 * Math.abs(unfused.item()), "loss");
        assertCloseToMax(h1.grad(), h2.grad(), 1e-5, "dh");
        assertNull(w.grad(), "a frozen weight gets no gradient");
    }

    /** A head tied to the embedding: both uses add into the one tensor's gradient. */
    @Test
    void aTiedWeightSumsBothGradients() {
        int B = 2, T = 5, C = 8, V = 97;
        int[] ids = new Random(6).ints(B * T, 0, V).toArray();
        Tensor w1 = Tensor.of(uniform(7, V * C, -1, 1), V, C).requiresGrad(true);
        Tensor unfused = LossOps.crossEntropy(MatOps.linear(EmbeddingOps.embedding(w1, ids, B, T), w1, null), ids, true);
        Tape.backward(unfused);
        Tensor w2 = Tensor.of(uniform(7, V * C, -1, 1), V, C).requiresGrad(true);
        Tensor fused = LossOps.linearCrossEntropy(EmbeddingOps.embedding(w2, ids, B, T), w2, ids, true, new Blocks(3, 10));
        Tape.backward(fused);
        assertEquals(unfused.item(), fused.item(), 1e-6 * Math.abs(unfused.item()), "loss");
        assertCloseToMax(w1.grad(), w2.grad(), 1e-5, "dW (embedding + head)");
    }

    /** As LossOpsTest's check of crossEntropy: step 1e-2, tolerance 1e-3 of the largest gradient. */
    @Test
    void gradientsMatchFiniteDifferences() {
        Tensor h = Tensor.of(uniform(8, 2 * 5 * 7, -1, 1), 2, 5, 7).requiresGrad(true);
        Tensor w = Tensor.of(uniform(9, 41 * 7, -1, 1), 41, 7).requiresGrad(true);
        int[] labels = {0, 40, I, 7, 7, 1, 2, 3, I, I};
        GradCheck.check("linearCrossEntropy shift", 1e-2, 1e-3, () -> LossOps.linearCrossEntropy(h, w, labels, true, new Blocks(2, 9)), h, w);
        GradCheck.check("linearCrossEntropy no shift", 1e-2, 1e-3, () -> LossOps.linearCrossEntropy(h, w, labels, false, new Blocks(3, 41)), h, w);
    }

    @Test
    void noCountedTokenGivesNaNAndNoGradient() {
        Tensor h = Tensor.of(uniform(10, 2 * 3 * 4, -1, 1), 2, 3, 4).requiresGrad(true);
        Tensor w = Tensor.of(uniform(11, 5 * 4, -1, 1), 5, 4).requiresGrad(true);
        Tensor loss = LossOps.linearCrossEntropy(h, w, new int[] {1, I, I, 4, I, I}, true);
        assertTrue(Float.isNaN(loss.item()), "0 / 0 as torch's mean over no tokens");
        Tape.backward(loss);
        for (Tensor t : new Tensor[] {h, w}) if (t.grad() != null) for (float v : t.grad()) assertEquals(0f, v);
    }

    @Test
    void badShapesAndLabelsAreNamed() {
        Tensor h = Tensor.zeros(2, 3, 4), w = Tensor.zeros(5, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> LossOps.linearCrossEntropy(h, w, new int[] {0, 1, 2, 3, 7, 4}, true));
        assertTrue(e.getMessage().contains("label 7") && e.getMessage().contains("row 1") && e.getMessage().contains("position 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LossOps.linearCrossEntropy(h, w, new int[] {0, 1, 2}, true));
        e = assertThrows(IllegalArgumentException.class, () -> LossOps.linearCrossEntropy(h, Tensor.zeros(5, 3), new int[6], true));
        assertTrue(e.getMessage().contains("(V, 4)"), e.getMessage());
    }

    /** Labels in [0, V) with every {@code every}-th one -100, and the last class used. */
    private static int[] labels(int n, int V, int every) {
        Random rnd = new Random(3);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = i % every == every - 1 ? I : rnd.nextInt(V);
        labels[n - 1] = V - 1;
        return labels;
    }


    /** The tensor's values rounded to BF16 and stored as a little-endian segment (frozen). */
    private static Tensor bf16(Tensor t) {
        MemorySegment seg = Arena.ofAuto().allocate(2L * t.size());
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) seg.setAtIndex(le, i, SegmentStorage.floatToBf16(t.data()[i]));
        return new Tensor(t.shape(), new SegmentStorage(seg, DType.BF16));
    }
}
