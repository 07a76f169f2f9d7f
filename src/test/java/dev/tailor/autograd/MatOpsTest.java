package dev.tailor.autograd;

import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Backward rules of {@link MatOps} against central finite differences of the forward.
 *
 * <p>The loss is L = sum(R * y) for a fixed random R, accumulated in double. Every op here is
 * linear in each single input element, so the central difference (L(v+h) - L(v-h)) / 2h has no
 * truncation error at any h; a large step (h = 0.5) then makes the float32 rounding of the
 * forward negligible: only the outputs that depend on the perturbed element round differently
 * (the rest are computed identically), each by about 1e-6 here, so the difference quotient is
 * off by at most ~1e-4 while gradients are of order 1-10. Tolerance: 1e-3 relative to the largest
 * gradient of the tensor (the DESIGN.md gradient tolerance), plus 1e-4 absolute.
 */
class MatOpsTest {

    private static final float H = 0.5f;

    @AfterEach void clearTape() { Tape.clear(); }

    @ParameterizedTest
    @EnumSource(WeightLayout.class)
    void linearGradientsMatchFiniteDifferences(WeightLayout layout) {
        checkLinear(layout, new int[] {2, 7, 33}, 7, true);   // x (2, 7, 33) -> (2, 7, 7)
        checkLinear(layout, new int[] {33, 7}, 257, true);    // x (33, 7) -> (33, 257)
        checkLinear(layout, new int[] {1, 1}, 1, false);      // x (1, 1) -> (1, 1), no bias
    }

    @Test
    void matmulGradientsMatchFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(11);
        Tensor a = random(rnd, 2, 7, 33).requiresGrad(true); // (2, M=7, K=33)
        Tensor b = random(rnd, 33, 5).requiresGrad(true);    // (K, N=5)
        Supplier<Tensor> f = () -> MatOps.matmul(a, b);
        assertEquals(new Shape(2, 7, 5), f.get().shape());
        Tape.clear();
        checkGradients(f, new Tensor[] {a, b}, rnd);
    }

    /** A frozen BF16 weight: same output as its float32 widening, dX flows, and it gets no gradient. */
    @ParameterizedTest
    @EnumSource(WeightLayout.class)
    void frozenBf16WeightGetsNoGradientAndMatchesItsWidening(WeightLayout layout) {
        SplittableRandom rnd = new SplittableRandom(13);
        int in = 33, out = 7;
        int[] wDims = layout == WeightLayout.OUT_IN ? new int[] {out, in} : new int[] {in, out};
        Tensor wBf16 = bf16(random(rnd, wDims));
        Tensor wF32 = wBf16.copy();                           // the exact float32 widening, frozen too
        Tensor x1 = random(rnd, 3, in).requiresGrad(true), x2 = x1.copy().requiresGrad(true);
        Tensor r = random(rnd, 3, out);
        Tensor y1 = MatOps.linear(x1, wBf16, null, layout);
        Tape.backward(weightedSum(y1, r)); // backward clears the tape: one graph at a time
        Tensor y2 = MatOps.linear(x2, wF32, null, layout);
        Tape.backward(weightedSum(y2, r));
        assertArrayEquals(y2.data(), y1.data(), "same float32 values through the same kernel: identical");
        assertNull(wBf16.grad(), "a frozen weight gets no gradient");
        assertNull(wF32.grad(), "a frozen float32 weight gets no gradient either");
        assertArrayEquals(x2.grad(), x1.grad(), "dX through a BF16 weight equals dX through its widening");
    }

    @Test
    void mismatchedShapesNameWhatWasExpected() {
        Tensor x = Tensor.zeros(2, 5), w = Tensor.zeros(3, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> MatOps.linear(x, w, null));
        assertTrue(e.getMessage().contains("5 features") && e.getMessage().contains("expects 4"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> MatOps.linear(Tensor.zeros(2, 4), w, Tensor.zeros(4)));
        assertTrue(e2.getMessage().contains("[3]"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> MatOps.matmul(Tensor.zeros(2, 5), Tensor.zeros(4, 3)));
        assertTrue(e3.getMessage().contains("K = 5") && e3.getMessage().contains("K = 4"), e3.getMessage());
    }

    /** y = x . W^T + b by hand: x = [1, 2], W = [[1, 0], [2, 3], [-1, 1]], b = [0.5, 0, -1] -> [1.5, 8, 0]. */
    @Test
    void linearByHand() {
        Tensor x = Tensor.of(new float[] {1, 2}, 1, 2);
        Tensor w = Tensor.of(new float[] {1, 0, 2, 3, -1, 1}, 3, 2);
        Tensor b = Tensor.of(new float[] {0.5f, 0, -1}, 3);
        assertArrayEquals(new float[] {1.5f, 8, 0}, MatOps.linear(x, w, b).data());
        Tensor wt = Tensor.of(new float[] {1, 2, -1, 0, 3, 1}, 2, 3); // the same weight stored (in, out)
        assertArrayEquals(new float[] {1.5f, 8, 0}, MatOps.linear(x, wt, b, WeightLayout.IN_OUT).data());
    }

    // ---- finite differences ----

    private static void checkLinear(WeightLayout layout, int[] xDims, int out, boolean withBias) {
        SplittableRandom rnd = new SplittableRandom(xDims.length * 100L + out);
        int in = xDims[xDims.length - 1];
        Tensor x = random(rnd, xDims).requiresGrad(true);
        Tensor w = random(rnd, layout == WeightLayout.OUT_IN ? new int[] {out, in} : new int[] {in, out}).requiresGrad(true);
        Tensor b = withBias ? random(rnd, out).requiresGrad(true) : null;
        Supplier<Tensor> f = () -> MatOps.linear(x, w, b, layout);
        checkGradients(f, withBias ? new Tensor[] {x, w, b} : new Tensor[] {x, w}, rnd);
    }

    /** Back-propagates L = sum(R * f()) once, then compares each input's gradient with central differences. */
    private static void checkGradients(Supplier<Tensor> f, Tensor[] inputs, SplittableRandom rnd) {
        Tensor y = f.get();
        Tensor r = random(rnd, y.shape().dims());
        Tape.backward(weightedSum(y, r));
        for (Tensor t : inputs) {
            float[] g = t.grad(), v = t.data();
            assertNotNull(g, "input " + t + " received no gradient");
            double max = 0;
            for (float gi : g) max = Math.max(max, Math.abs(gi));
            for (int i = 0; i < v.length; i++) {
                float orig = v[i];
                v[i] = orig + H;
                double lp = loss(f, r);
                v[i] = orig - H;
                double lm = loss(f, r);
                v[i] = orig;
                double fd = (lp - lm) / (2 * H);
                assertEquals(fd, g[i], 1e-3 * max + 1e-4, "d/d" + t + "[" + i + "]");
            }
        }
    }

    private static double loss(Supplier<Tensor> f, Tensor r) {
        try (var g = Tape.noGrad()) {
            float[] y = f.get().data();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) r.data()[i] * y[i];
            return s;
        }
    }

    /** sum(y * r) as a recorded op: dy += g * r. */
    private static Tensor weightedSum(Tensor y, Tensor r) {
        double s = 0;
        for (int i = 0; i < y.size(); i++) s += (double) y.data()[i] * r.data()[i];
        Tensor out = Tensor.scalar((float) s);
        if (Tape.needsGrad(y)) {
            Tape.record("weightedSum", out, () -> {
                float g = out.grad()[0];
                float[] dy = y.gradBuffer();
                for (int i = 0; i < dy.length; i++) dy[i] += g * r.data()[i];
            });
        }
        return out;
    }

    private static Tensor random(SplittableRandom rnd, int... dims) {
        float[] v = new float[Shape.of(dims).size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return Tensor.of(v, dims);
    }

    /** The tensor's values rounded to BF16 and stored as a little-endian segment (frozen). */
    private static Tensor bf16(Tensor t) {
        MemorySegment seg = Arena.ofAuto().allocate(2L * t.size());
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < t.size(); i++) seg.setAtIndex(le, i, SegmentStorage.floatToBf16(t.data()[i]));
        return new Tensor(t.shape(), new SegmentStorage(seg, DType.BF16));
    }
}
