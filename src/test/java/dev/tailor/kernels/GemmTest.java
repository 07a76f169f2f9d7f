package dev.tailor.kernels;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Holds the packed, blocked, parallel {@link Gemm#gemm} to the triple loop {@link Gemm#gemmScalar}.
 *
 * <p>Tolerance: both compute the same sum s = c0 + sum_p a_p b_p of K + 1 terms in float32, in a
 * different order (blocked, FMA vs. sequential). Each differs from the exact sum by at most
 * gamma_(K+1) * (|c0| + sum_p |a_p||b_p|), gamma_n = n u / (1 - n u), u = 2^-24 (Higham, ch. 3),
 * so they differ from each other by at most twice that. The bound is rigorous (the test cannot
 * fail on correct code by bad luck) and still tight: one missing or wrong term changes the
 * result by about (sum |a||b|) / K, which is K^2 / 2 times larger than 2 gamma_K (sum |a||b|).
 */
class GemmTest {

    private static final double U = Math.pow(2, -24);
    private static final Arena ARENA = Arena.ofAuto();

    /**
     * (m, k, n, accumulate) with the odd sizes that stress tile edges: 1, 7, 33, 257 (past one KC
     * slice and one MC block); both modes where K spans two slices. Sizes past 2^18 multiply-adds
     * run on two threads, split by rows (257 rows) or by columns (257 columns).
     */
    static Stream<Arguments> sizes() {
        Object[][] s = {{1, 1, 1, false}, {1, 1, 1, true}, {7, 33, 1, true}, {1, 257, 7, false}, {33, 7, 257, true},
                {257, 33, 7, false}, {7, 257, 33, true}, {257, 257, 33, false}, {33, 33, 33, false}, {33, 257, 257, true}};
        return Stream.of(s).map(Arguments::of);
    }

    @ParameterizedTest(name = "m={0} k={1} n={2} accumulate={3}")
    @MethodSource("sizes")
    void everyFormAndWeightDtypeMatchesTheTripleLoop(int m, int k, int n, boolean accumulate) {
        SplittableRandom rnd = new SplittableRandom(m * 31L + k * 7L + n);
        float[] x = random(rnd, m * k), dy = random(rnd, m * n);  // (M,K), (M,N)
        float[] wOutIn = random(rnd, n * k), wInOut = random(rnd, k * n); // (N,K), (K,N)
        for (DType dt : new DType[] {null, DType.F32, DType.BF16, DType.F16}) { // null: a float[] weight
            Storage w1 = dt == null ? new FloatStorage(wOutIn) : segment(wOutIn, dt);
            Storage w2 = dt == null ? new FloatStorage(wInOut) : segment(wInOut, dt);
            String tag = (dt == null ? "float[]" : "segment " + dt) + " m=" + m + " k=" + k + " n=" + n + " acc=" + accumulate;
            // Y(M,N) = X(M,K) . W(N,K)^T
            check("xwT " + tag, accumulate, rnd, m * n, c -> Gemm.xwT(c, accumulate, x, w1, m, k, n),
                    c -> Gemm.gemmScalar(c, 0, n, accumulate, x, 0, k, false, w1, 0, k, true, m, n, k), x, k, false, w1, k, true, m, n, k);
            // dX(M,K) = dY(M,N) . W(N,K)
            check("dyw " + tag, accumulate, rnd, m * k, c -> Gemm.dyw(c, accumulate, dy, w1, m, k, n),
                    c -> Gemm.gemmScalar(c, 0, k, accumulate, dy, 0, n, false, w1, 0, k, false, m, k, n), dy, n, false, w1, k, false, m, k, n);
            // Y(M,N) = X(M,K) . W(K,N)
            check("xw " + tag, accumulate, rnd, m * n, c -> Gemm.xw(c, accumulate, x, w2, m, k, n),
                    c -> Gemm.gemmScalar(c, 0, n, accumulate, x, 0, k, false, w2, 0, n, false, m, n, k), x, k, false, w2, n, false, m, n, k);
            // dX(M,K) = dY(M,N) . W(K,N)^T
            check("dywT " + tag, accumulate, rnd, m * k, c -> Gemm.dywT(c, accumulate, dy, w2, m, k, n),
                    c -> Gemm.gemmScalar(c, 0, k, accumulate, dy, 0, n, false, w2, 0, n, true, m, k, n), dy, n, false, w2, n, true, m, k, n);
        }
        Storage xs = new FloatStorage(x), dys = new FloatStorage(dy);
        String tag = "m=" + m + " k=" + k + " n=" + n + " acc=" + accumulate;
        // dW(N,K) = dY(M,N)^T . X(M,K)
        check("dytx " + tag, accumulate, rnd, n * k, c -> Gemm.dytx(c, accumulate, dy, x, m, k, n),
                c -> Gemm.gemmScalar(c, 0, k, accumulate, dy, 0, n, true, xs, 0, k, false, n, k, m), dy, n, true, xs, k, false, n, k, m);
        // dW(K,N) = X(M,K)^T . dY(M,N)
        check("xTdy " + tag, accumulate, rnd, k * n, c -> Gemm.xTdy(c, accumulate, x, dy, m, k, n),
                c -> Gemm.gemmScalar(c, 0, n, accumulate, x, 0, k, true, dys, 0, n, false, k, n, m), x, k, true, dys, n, false, k, n, m);
    }

    @Test
    void columnsPastOneNcBlockAndBothTransposes() {
        int m = 7, k = 33, n = Gemm.NC + 37; // two column blocks, the second ragged
        SplittableRandom rnd = new SplittableRandom(5);
        float[] a = random(rnd, k * m); // A^T stored (K, M)
        Storage b = segment(random(rnd, n * k), DType.BF16); // B^T stored (N, K)
        check("transA transB", true, rnd, m * n, c -> Gemm.gemm(c, 0, n, true, a, 0, m, true, b, 0, k, true, m, n, k),
                c -> Gemm.gemmScalar(c, 0, n, true, a, 0, m, true, b, 0, k, true, m, n, k), a, m, true, b, k, true, m, n, k);
    }

    /** A sub-matrix of larger arrays (offsets, leading dims wider than the block): nothing outside it is touched. */
    @Test
    void offsetsAndLeadingDimsAddressASubMatrix() {
        int m = 33, k = 257, n = 40, lda = k + 5, ldb = n + 3, ldc = n + 9, aOff = 11, bOff = 13, cOff = 17;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] a = random(rnd, aOff + m * lda), b = random(rnd, bOff + k * ldb);
        float[] c = random(rnd, cOff + m * ldc + 4), expected = c.clone(), before = c.clone();
        Gemm.gemm(c, cOff, ldc, true, a, aOff, lda, false, b, bOff, ldb, false, m, n, k);
        Gemm.gemmScalar(expected, cOff, ldc, true, a, aOff, lda, false, new FloatStorage(b), bOff, ldb, false, m, n, k);
        for (int i = 0; i < c.length; i++) {
            int row = (i - cOff) / ldc, col = (i - cOff) % ldc;
            boolean inside = i >= cOff && row < m && col < n;
            if (!inside) assertEquals(expected[i], c[i], 0f, "element " + i + " outside C was written");
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double bound = Math.abs(before[cOff + i * ldc + j]);
                for (int p = 0; p < k; p++) bound += Math.abs((double) a[aOff + i * lda + p] * b[bOff + p * ldb + j]);
                int ci = cOff + i * ldc + j;
                assertEquals(expected[ci], c[ci], 2 * gamma(k + 1) * bound, "C[" + i + "," + j + "]");
            }
        }
    }

    @Test
    void overwriteWithEmptyInnerDimensionZeroesC() {
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.xwT(c, false, new float[0], new FloatStorage(new float[0]), 2, 0, 3);
        assertArrayEquals(new float[6], c);
        float[] d = {1, 2, 3, 4, 5, 6};
        Gemm.xwT(d, true, new float[0], new FloatStorage(new float[0]), 2, 0, 3);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d, "accumulating an empty product leaves C as it was");
    }

    /** A hand-computed product: [[1,2],[3,4]] . [[5,6],[7,8]]^T = [[17,23],[39,53]]. */
    @Test
    void smallProductByHand() {
        float[] y = new float[4];
        Gemm.xwT(y, false, new float[] {1, 2, 3, 4}, new FloatStorage(new float[] {5, 6, 7, 8}), 2, 2, 2);
        assertArrayEquals(new float[] {17, 23, 39, 53}, y);
    }

    /** The vector BF16 widening is exact: every bit pattern, including NaN, infinities and a ragged tail. */
    @Test
    void bf16WideningMatchesTheBitDefinition() {
        int n = 65536 + 37;
        MemorySegment seg = ARENA.allocate(2L * n);
        for (int i = 0; i < n; i++) seg.setAtIndex(I16, i, (short) (i * 40503)); // visits every 16-bit pattern
        Storage s = new SegmentStorage(seg, DType.BF16);
        float[] got = new float[n + 3];
        GemmPack.widen(s, 0, got, 3, n);
        for (int i = 0; i < n; i++) {
            int want = (seg.getAtIndex(I16, i) & 0xffff) << 16;
            assertEquals(want, Float.floatToRawIntBits(got[i + 3]), "element " + i);
        }
    }

    /** A BF16 weight memory-mapped from a file, as safetensors are read, multiplies like its float32 widening. */
    @Test
    void mappedBf16WeightFromAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        int m = 33, k = 257, n = 7;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = random(rnd, m * k);
        Storage inMemory = segment(random(rnd, n * k), DType.BF16);
        Path file = dir.resolve("w.bin");
        Files.write(file, ((SegmentStorage) inMemory).segment().toArray(ValueLayout.JAVA_BYTE));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofShared()) {
            Storage mapped = new SegmentStorage(ch.map(FileChannel.MapMode.READ_ONLY, 0, 2L * n * k, arena), DType.BF16);
            float[] widened = new float[n * k];
            mapped.widen(0, widened, 0, n * k);
            float[] y1 = new float[m * n], y2 = new float[m * n];
            Gemm.xwT(y1, false, x, mapped, m, k, n);
            Gemm.xwT(y2, false, x, new FloatStorage(widened), m, k, n);
            assertArrayEquals(y2, y1, "same float32 values, same blocking: bit-identical");
        }
    }

    // ---- helpers ----

    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private interface Fill { void into(float[] c); }

    /**
     * Runs fast and scalar on the same random initial C and compares element-wise within
     * 2 gamma_(K+1) (|c0| + sum |a||b|), the bound derived in the class comment.
     */
    private static void check(String what, boolean accumulate, SplittableRandom rnd, int size, Fill fast, Fill scalar,
                              float[] a, int lda, boolean transA, Storage b, int ldb, boolean transB, int m, int n, int k) {
        float[] c0 = random(rnd, size), got = c0.clone(), want = c0.clone();
        fast.into(got);
        scalar.into(want);
        double g = 2 * gamma(k + 1);
        float[] bw = new float[Math.toIntExact(b.length())];
        b.widen(0, bw, 0, bw.length);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double bound = accumulate ? Math.abs(c0[i * n + j]) : 0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = bw[transB ? j * ldb + p : p * ldb + j];
                    bound += Math.abs((double) av * bv);
                }
                assertEquals(want[i * n + j], got[i * n + j], g * bound, what + " at C[" + i + "," + j + "]");
            }
        }
    }

    private static double gamma(int n) { return n * U / (1 - n * U); }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /** The values stored as a little-endian segment of the given dtype, as a checkpoint holds them. */
    static Storage segment(float[] v, DType dt) {
        MemorySegment seg = ARENA.allocate((long) dt.bytes * Math.max(1, v.length)).asSlice(0, (long) dt.bytes * v.length);
        for (int i = 0; i < v.length; i++) {
            switch (dt) {
                case F32 -> seg.setAtIndex(F32, i, v[i]);
                case BF16 -> seg.setAtIndex(I16, i, SegmentStorage.floatToBf16(v[i]));
                case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(v[i]));
                default -> throw new IllegalArgumentException(dt.name());
            }
        }
        return new SegmentStorage(seg, dt);
    }
}
