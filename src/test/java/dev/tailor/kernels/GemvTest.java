package dev.tailor.kernels;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Holds {@link Gemv} (vector, parallel, BF16 read as 32-bit pairs) to its plain loops.
 *
 * <p>Tolerance: both compute each y = sum_p x_p w_p of K float32 products in a different order
 * (FMA lanes vs. sequential); each is within gamma_K * sum_p |x_p w_p| of the exact sum, gamma_K =
 * K u / (1 - K u), u = 2^-24 (Higham, ch. 3), so they are within twice that of each other. The
 * bound is rigorous, and a wrong or missing term (e.g. an even/odd weight swapped) shows up at
 * about sum |x w| / K, far above it.
 */
class GemvTest {

    private static final double U = Math.pow(2, -24);
    private static final Arena ARENA = Arena.ofAuto();

    /** Odd sizes around the vector width (8 or 16), the BF16 steps (2L and 4L weights) and the parallel split. */
    static Stream<Arguments> sizes() {
        int[][] s = {{1, 1, 1}, {1, 7, 33}, {1, 33, 7}, {3, 257, 33}, {8, 16, 17}, {1, 576, 257}, {2, 31, 4097}, {5, 4097, 9}, {1, 15, 1}, {2, 80, 19}, {1, 96, 5}};
        List<Arguments> out = new ArrayList<>();
        for (int[] t : s) for (DType dt : new DType[] {null, DType.F32, DType.BF16, DType.F16}) out.add(Arguments.of(t[0], t[1], t[2], dt));
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} k={1} n={2} weight={3}")
    @MethodSource("sizes")
    void bothLayoutsMatchThePlainLoops(int m, int k, int n, DType dt) {
        SplittableRandom rnd = new SplittableRandom(m * 1_000_003L + k * 31L + n);
        float[] x = random(rnd, m * k);                               // (M, K)
        float[] wOutIn = random(rnd, n * k), wInOut = random(rnd, k * n); // (N, K), (K, N)
        Storage w1 = dt == null ? new FloatStorage(wOutIn) : segment(wOutIn, dt);
        Storage w2 = dt == null ? new FloatStorage(wInOut) : segment(wInOut, dt);
        String tag = (dt == null ? "float[]" : dt) + " m=" + m + " k=" + k + " n=" + n;

        float[] fast = filled(m * n, Float.NaN), plain = new float[m * n]; // NaN: every output must be written
        Gemv.xwT(fast, x, w1, m, k, n);
        Gemv.xwTScalar(plain, x, w1, m, k, n);
        assertWithinBound("xwT " + tag, fast, plain, x, w1, m, k, n, true);

        fast = filled(m * n, Float.NaN);
        Gemv.xw(fast, x, w2, m, k, n);
        Gemv.xwScalar(plain, x, w2, m, k, n);
        assertWithinBound("xw " + tag, fast, plain, x, w2, m, k, n, false);
    }

    /** The twin itself, on a product small enough to do by hand: catches a shared misreading of the layouts. */
    @Test
    void scalarTwinsComputeTheProductsByHand() {
        float[] x = {1, 2, 3, -1, 0, 2};      // (2, 3)
        float[] w = {1, 0, 2, -1, 1, 1};      // as (N=2, K=3): rows (1,0,2), (-1,1,1); as (K=3, N=2): rows (1,0), (2,-1), (1,1)
        float[] y = new float[4];
        Gemv.xwTScalar(y, x, new FloatStorage(w), 2, 3, 2);
        assertArrayEquals(new float[] {7, 4, 3, 3}, y);
        Gemv.xwScalar(y, x, new FloatStorage(w), 2, 3, 2);
        assertArrayEquals(new float[] {8, 1, 1, 2}, y);
        Gemv.xwT(y, x, new FloatStorage(w), 2, 3, 2);
        assertArrayEquals(new float[] {7, 4, 3, 3}, y);
    }

    /** BF16 weights whose values are exact in bf16: the fast kernel must give the exact small-integer sums. */
    @Test
    void bf16PairsAreWidenedInTheRightOrder() {
        int k = 37, n = 5;
        float[] w = new float[n * k], x = new float[k];
        for (int i = 0; i < w.length; i++) w[i] = (i % 7) - 3;  // exact in bf16
        for (int p = 0; p < k; p++) x[p] = p;                    // distinct per position: a swapped pair changes the sum
        float[] y = new float[n];
        Gemv.xwT(y, x, segment(w, DType.BF16), 1, k, n);
        for (int j = 0; j < n; j++) {
            long expected = 0;
            for (int p = 0; p < k; p++) expected += (long) p * ((j * k + p) % 7 - 3);
            assertEquals(expected, y[j], 0.0, "row " + j);
        }
    }

    private static void assertWithinBound(String what, float[] fast, float[] plain, float[] x, Storage w, int m, int k, int n, boolean outIn) {
        double gamma = k * U / (1 - k * U);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double abs = 0;
                for (int p = 0; p < k; p++) abs += Math.abs(x[i * k + p] * (double) w.get(outIn ? (long) j * k + p : (long) p * n + j));
                double diff = Math.abs(fast[i * n + j] - plain[i * n + j]);
                assertTrue(diff <= 2 * gamma * abs, what + ": y[" + i + "," + j + "] fast " + fast[i * n + j] + " vs plain " + plain[i * n + j]
                        + " differ by " + diff + " > bound " + 2 * gamma * abs);
            }
        }
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** The values in a little-endian segment of the given dtype, as a mapped checkpoint holds them. */
    static Storage segment(float[] v, DType dt) {
        MemorySegment seg = ARENA.allocate((long) v.length * dt.bytes + 1, 1).asSlice(1); // odd address: loads must not assume alignment
        for (int i = 0; i < v.length; i++) {
            switch (dt) {
                case F32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, v[i]);
                case BF16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, SegmentStorage.floatToBf16(v[i]));
                case F16 -> seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, Float.floatToFloat16(v[i]));
                default -> throw new IllegalArgumentException(dt.name());
            }
        }
        return new SegmentStorage(seg, dt);
    }
}
