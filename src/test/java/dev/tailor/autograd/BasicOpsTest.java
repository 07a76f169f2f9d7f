package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Values by hand and gradients by central differences (GradCheck, step 1e-2). These ops are linear
 * in each input, so the finite differences are exact up to float rounding of the changed outputs
 * (about 1e-7 / 2e-2 each): tolerance 1e-4 of the tensor's largest gradient.
 */
class BasicOpsTest {

    private static final double H = 1e-2, TOL = 1e-4;

    @AfterEach
    void clearTape() { Tape.clear(); }

    private static Tensor param(long seed, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return Tensor.of(uniform(seed, n, -1, 1), dims).requiresGrad(true);
    }

    @Test
    void addAndMulBroadcastOverLeadingDims() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor b = Tensor.of(new float[] {10, 20, 30}, 3);
        assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, BasicOps.add(a, b).data());
        assertArrayEquals(new float[] {10, 40, 90, 40, 100, 180}, BasicOps.mul(a, b).data());
        var e = assertThrows(IllegalArgumentException.class, () -> BasicOps.add(a, Tensor.zeros(2)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2]"), e.getMessage());
    }

    @Test
    void addAndMulGradients() {
        Tensor a = param(1, 3, 7, 33), b = param(2, 33), c = param(3, 3, 7, 33), d = param(4, 7, 33);
        GradCheck.check("add same shape", H, TOL, () -> BasicOps.add(a, c), a, c);
        GradCheck.check("add broadcast", H, TOL, () -> BasicOps.add(a, b), a, b);
        GradCheck.check("mul same shape", H, TOL, () -> BasicOps.mul(a, c), a, c);
        GradCheck.check("mul broadcast (C)", H, TOL, () -> BasicOps.mul(a, b), a, b);
        GradCheck.check("mul broadcast (T, C)", H, TOL, () -> BasicOps.mul(a, d), a, d);
        GradCheck.check("mul self", H, TOL, () -> BasicOps.mul(b, b), b);
    }

    @Test
    void frozenOperandGetsNoGradient() {
        Tensor a = param(5, 2, 7), b = Tensor.of(uniform(6, 7, -1, 1), 7);
        Tape.backward(BasicOps.sum(BasicOps.mul(a, b)));
        assertNull(b.grad());
        assertArrayEquals(new float[] {b.data()[3]}, new float[] {a.grad()[10]}); // d/da[1,3] = b[3]
    }

    @Test
    void scaleSumMean() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        assertEquals(10f, BasicOps.sum(a).item());
        assertEquals(2.5f, BasicOps.mean(a).item());
        assertEquals(0, BasicOps.sum(a).rank(), "a scalar has shape []");
        assertArrayEquals(new float[] {-2, -4, -6, -8}, BasicOps.scale(a, -2f).data());
        Tensor x = param(7, 5, 257);
        GradCheck.check("scale", H, TOL, () -> BasicOps.scale(x, 0.3f), x);
        // A scalar output is rounded to float as a whole (ulp of ~10 is 1e-6), so no cancellation
        // protects it; the op is linear, so a large step costs nothing and divides that rounding.
        GradCheck.check("sum", 0.25, TOL, () -> BasicOps.sum(x), x);
        GradCheck.check("mean", 0.25, TOL, () -> BasicOps.mean(x), x);
    }

    @Test
    void reshapeSharesDataAndPassesGradient() {
        Tensor a = param(8, 3, 7);
        Tensor r = BasicOps.reshape(a, 7, -1);
        assertSame(a.data(), r.data(), "reshape shares storage");
        assertArrayEquals(new int[] {7, 3}, r.shape().dims());
        assertThrows(IllegalArgumentException.class, () -> BasicOps.reshape(a, 4, -1));
        Tensor w = param(9, 21);
        GradCheck.check("reshape", H, TOL, () -> BasicOps.mul(BasicOps.reshape(a, 21), w), a, w);
    }

    @Test
    void transposeLast2() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3);
        Tensor t = BasicOps.transposeLast2(a);
        assertArrayEquals(new int[] {2, 3, 2}, t.shape().dims());
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12}, t.data());
        Tensor x = param(10, 2, 7, 33);
        GradCheck.check("transposeLast2", H, TOL, () -> BasicOps.transposeLast2(x), x);
    }

    @Test
    void slices() {
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 3, 2); // (B=2, T=3, C=2)
        assertArrayEquals(new float[] {3, 4, 5, 6, 9, 10, 11, 12}, BasicOps.sliceSeq(a, 1, 3).data());
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, BasicOps.sliceLast(a, 1, 2).data());
        assertArrayEquals(new int[] {2, 3, 1}, BasicOps.sliceLast(a, 1, 2).shape().dims());
        var e = assertThrows(IllegalArgumentException.class, () -> BasicOps.sliceSeq(a, 2, 4));
        assertTrue(e.getMessage().contains("[2, 4)"), e.getMessage());
        Tensor x = param(11, 3, 7, 33);
        GradCheck.check("sliceSeq", H, TOL, () -> BasicOps.sliceSeq(x, 2, 5), x);
        GradCheck.check("sliceLast", H, TOL, () -> BasicOps.sliceLast(x, 4, 31), x);
    }

    @Test
    void concatSeqBatchedAndShared() {
        Tensor b = Tensor.of(new float[] {1, 2, 3, 4}, 2, 1, 2); // (B=2, T2=1, C=2)
        Tensor shared = Tensor.of(new float[] {9, 8}, 1, 2);  // (T1=1, C=2)
        assertArrayEquals(new float[] {9, 8, 1, 2, 9, 8, 3, 4}, BasicOps.concatSeq(shared, b).data());
        Tensor batched = Tensor.of(new float[] {5, 6, 7, 8}, 2, 1, 2);
        Tensor c = BasicOps.concatSeq(batched, b);
        assertArrayEquals(new int[] {2, 2, 2}, c.shape().dims());
        assertArrayEquals(new float[] {5, 6, 1, 2, 7, 8, 3, 4}, c.data());
        assertThrows(IllegalArgumentException.class, () -> BasicOps.concatSeq(Tensor.zeros(1, 3), b));

        Tensor x = param(12, 3, 5, 7), p2 = param(13, 4, 7), p3 = param(14, 1, 4, 7), a3 = param(15, 3, 2, 7);
        GradCheck.check("concatSeq shared (T1, C)", H, TOL, () -> BasicOps.concatSeq(p2, x), p2, x);
        GradCheck.check("concatSeq shared (1, T1, C)", H, TOL, () -> BasicOps.concatSeq(p3, x), p3, x);
        GradCheck.check("concatSeq batched", H, TOL, () -> BasicOps.concatSeq(a3, x), a3, x);
    }

    @Test
    void sharedBlockGradientSumsOverTheBatch() {
        Tensor p = Tensor.zeros(1, 1).requiresGrad(true);               // (T1=1, C=1)
        Tensor x = Tensor.of(new float[] {0, 0, 0}, 3, 1, 1);           // (B=3, T2=1, C=1)
        Tensor w = Tensor.of(new float[] {1, 0, 2, 0, 4, 0}, 3, 2, 1);  // weights per output position
        Tape.backward(BasicOps.sum(BasicOps.mul(BasicOps.concatSeq(p, x), w)));
        assertArrayEquals(new float[] {7}, p.grad(), "1 + 2 + 4 over the three batch rows");
    }
}
