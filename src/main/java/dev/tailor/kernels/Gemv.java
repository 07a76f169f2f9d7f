package dev.tailor.kernels;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Matrix-vector products for decoding: Y(M, N) = X(M, K) . op(W) with only a few rows M (one per
 * sequence being generated). Such a product reads every weight once and does two flops per weight,
 * so its speed is the memory bandwidth: the kernel streams each weight row straight from its stored
 * dtype (a mapped BF16 checkpoint is read as 2 bytes per weight and widened in registers, never
 * copied to a float32 matrix) and touches X, which sits in cache, for every row.
 *
 * <p>BF16 rows are read as 32-bit lanes holding two weights each: {@code lane << 16} is the even
 * weight and {@code lane & 0xffff0000} the odd one (bfloat16 is the top half of a float32), so a
 * vector of L ints gives 2L weights with two bit operations. X is reordered once per call to match
 * (per block of 2L elements: the L even ones, then the L odd ones), which costs K floats per row
 * of X instead of a shuffle per weight vector.
 *
 * <p>Work is split over the cores once per call, in contiguous bands of output features; a weight
 * row, once loaded, stays in L1 while it is multiplied by every row of X.
 */
public final class Gemv {

    /** MatOps uses this kernel up to this many rows of X; above it, packing for Gemm pays off. */
    public static final int MAX_ROWS = 8;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /**
     * A chunk of work reads at least this many weights (512 KiB in BF16): waking a pool thread
     * costs tens of microseconds, about as long as one thread takes to stream 300 KiB, so smaller
     * matrices run on the calling thread.
     */
    private static final int MIN_WEIGHTS_PER_CHUNK = 1 << 18;

    private Gemv() {}

    // ---------------------------------------------------------------- Y = X . W^T, W (N, K)

    /** Y(M, N) = X(M, K) . W(N, K)^T: nn.Linear with W stored (out, in) in any storage. */
    public static void xwT(float[] y, float[] x, Storage w, int m, int k, int n) {
        if (m <= 0 || n <= 0) return;
        boolean bf16 = w instanceof SegmentStorage s && s.dtype() == DType.BF16;
        float[] xs = bf16 ? evenOddOrder(x, m, k) : x; // (M, K)
        int minRows = Math.max(1, MIN_WEIGHTS_PER_CHUNK / Math.max(1, k));
        Parallel.forChunks(n, minRows, (chunk, from, to) -> {
            switch (w) {
                case FloatStorage(float[] wd) -> rowsF32Array(y, x, wd, m, k, n, from, to);
                case SegmentStorage s when s.dtype() == DType.F32 -> rowsF32Segment(y, x, s.segment(), m, k, n, from, to);
                case SegmentStorage s when s.dtype() == DType.BF16 -> rowsBf16(y, xs, x, s.segment(), m, k, n, from, to);
                default -> rowsWidened(y, x, w, m, k, n, from, to);
            }
        });
    }

    private static void rowsF32Array(float[] y, float[] x, float[] w, int m, int k, int n, int from, int to) {
        int kv = F.loopBound(k);
        for (int j = from; j < to; j++) {
            int wo = j * k;
            for (int i = 0; i < m; i++) {
                int xo = i * k;
                FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
                int p = 0;
                for (; p + 2 * F.length() <= kv; p += 2 * F.length()) {
                    acc0 = FloatVector.fromArray(F, w, wo + p).fma(FloatVector.fromArray(F, x, xo + p), acc0);
                    acc1 = FloatVector.fromArray(F, w, wo + p + F.length()).fma(FloatVector.fromArray(F, x, xo + p + F.length()), acc1);
                }
                for (; p < kv; p += F.length()) acc0 = FloatVector.fromArray(F, w, wo + p).fma(FloatVector.fromArray(F, x, xo + p), acc0);
                float sum = Lanes.sum(acc0.add(acc1));
                for (; p < k; p++) sum += w[wo + p] * x[xo + p];
                y[i * n + j] = sum;
            }
        }
    }

    private static void rowsF32Segment(float[] y, float[] x, MemorySegment w, int m, int k, int n, int from, int to) {
        int kv = F.loopBound(k);
        for (int j = from; j < to; j++) {
            long wo = 4L * j * k; // byte offset of row j
            for (int i = 0; i < m; i++) {
                int xo = i * k;
                FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
                int p = 0;
                for (; p + 2 * F.length() <= kv; p += 2 * F.length()) {
                    acc0 = FloatVector.fromMemorySegment(F, w, wo + 4L * p, LE).fma(FloatVector.fromArray(F, x, xo + p), acc0);
                    acc1 = FloatVector.fromMemorySegment(F, w, wo + 4L * (p + F.length()), LE)
                            .fma(FloatVector.fromArray(F, x, xo + p + F.length()), acc1);
                }
                for (; p < kv; p += F.length()) {
                    acc0 = FloatVector.fromMemorySegment(F, w, wo + 4L * p, LE).fma(FloatVector.fromArray(F, x, xo + p), acc0);
                }
                float sum = Lanes.sum(acc0.add(acc1));
                for (; p < k; p++) sum += w.getAtIndex(F32_LE, (long) j * k + p) * x[xo + p];
                y[i * n + j] = sum;
            }
        }
    }

    /**
     * BF16 rows, 2L weights per step: one load of L ints, two bit operations, two FMAs against the
     * even/odd-ordered X ({@code xs}); the last K mod 2L weights are read one by one against X.
     */
    private static void rowsBf16(float[] y, float[] xs, float[] x, MemorySegment w, int m, int k, int n, int from, int to) {
        int step = 2 * I.length(), kv = k - k % step;
        IntVector hiMask = IntVector.broadcast(I, 0xffff0000);
        for (int j = from; j < to; j++) {
            long wo = 2L * j * k; // byte offset of row j
            for (int i = 0; i < m; i++) {
                int xo = i * k;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                int p = 0;
                for (; p + 2 * step <= kv; p += 2 * step) { // two steps per turn: four independent FMA chains
                    IntVector w0 = IntVector.fromMemorySegment(I, w, wo + 2L * p, LE); // weights p+2l (low half), p+2l+1 (high half)
                    IntVector w1 = IntVector.fromMemorySegment(I, w, wo + 2L * (p + step), LE);
                    a0 = evenHalf(w0).fma(FloatVector.fromArray(F, xs, xo + p), a0);
                    a1 = oddHalf(w0, hiMask).fma(FloatVector.fromArray(F, xs, xo + p + I.length()), a1);
                    a2 = evenHalf(w1).fma(FloatVector.fromArray(F, xs, xo + p + step), a2);
                    a3 = oddHalf(w1, hiMask).fma(FloatVector.fromArray(F, xs, xo + p + step + I.length()), a3);
                }
                for (; p < kv; p += step) {
                    IntVector w0 = IntVector.fromMemorySegment(I, w, wo + 2L * p, LE);
                    a0 = evenHalf(w0).fma(FloatVector.fromArray(F, xs, xo + p), a0);
                    a1 = oddHalf(w0, hiMask).fma(FloatVector.fromArray(F, xs, xo + p + I.length()), a1);
                }
                float sum = Lanes.sum(a0.add(a1).add(a2.add(a3)));
                for (p = kv; p < k; p++) {
                    sum += SegmentStorage.bf16ToFloat(w.get(I16_LE, wo + 2L * p)) * x[xo + p];
                }
                y[i * n + j] = sum;
            }
        }
    }

    /** The even-indexed weights of a vector of bf16 pairs, as floats: the low half moved up. */
    private static FloatVector evenHalf(IntVector pairs) { return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); }

    /** The odd-indexed weights: the high half, low bits cleared. */
    private static FloatVector oddHalf(IntVector pairs, IntVector hiMask) { return pairs.and(hiMask).reinterpretAsFloats(); }

    /**
     * X reordered for {@link #rowsBf16}: in every full block of 2L elements, the L even-indexed
     * elements first, then the L odd ones; the tail stays in place.
     */
    static float[] evenOddOrder(float[] x, int m, int k) {
        int step = 2 * I.length(), half = I.length(), kv = k - k % step;
        float[] xs = new float[m * k]; // (M, K)
        for (int i = 0; i < m; i++) {
            int o = i * k;
            for (int b = 0; b < kv; b += step) {
                for (int l = 0; l < half; l++) {
                    xs[o + b + l] = x[o + b + 2 * l];
                    xs[o + b + half + l] = x[o + b + 2 * l + 1];
                }
            }
            System.arraycopy(x, o + kv, xs, o + kv, k - kv);
        }
        return xs;
    }

    /** Any other storage (F16, quantized): each row widened into a per-chunk buffer of K floats. */
    private static void rowsWidened(float[] y, float[] x, Storage w, int m, int k, int n, int from, int to) {
        float[] row = new float[k]; // (K) one weight row
        for (int j = from; j < to; j++) {
            w.widen((long) j * k, row, 0, k);
            for (int i = 0; i < m; i++) y[i * n + j] = dot(row, 0, x, i * k, k);
        }
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int len) {
        FloatVector acc = FloatVector.zero(F);
        int p = 0, bound = F.loopBound(len);
        for (; p < bound; p += F.length()) acc = FloatVector.fromArray(F, a, ao + p).fma(FloatVector.fromArray(F, b, bo + p), acc);
        float sum = Lanes.sum(acc);
        for (; p < len; p++) sum += a[ao + p] * b[bo + p];
        return sum;
    }

    /** The plain loop {@link #xwT} must agree with. */
    public static void xwTScalar(float[] y, float[] x, Storage w, int m, int k, int n) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += x[i * k + p] * w.get((long) j * k + p);
                y[i * n + j] = sum;
            }
        }
    }

    // ---------------------------------------------------------------- Y = X . W, W (K, N)

    /** Columns of Y accumulated together: (M, BAND) floats of Y stay in L1 while W's rows stream past. */
    private static final int BAND = 512;

    /** Y(M, N) = X(M, K) . W(K, N): GPT-2 Conv1D with W stored (in, out) in any storage. */
    public static void xw(float[] y, float[] x, Storage w, int m, int k, int n) {
        if (m <= 0 || n <= 0) return;
        java.util.Arrays.fill(y, 0, m * n, 0f);
        int minCols = Math.max(F.length(), MIN_WEIGHTS_PER_CHUNK / Math.max(1, k));
        Parallel.forChunks(n, minCols, (chunk, from, to) -> {
            float[] run = new float[BAND]; // one band of one weight row, widened
            for (int j0 = from; j0 < to; j0 += BAND) {
                int width = Math.min(BAND, to - j0);
                for (int p = 0; p < k; p++) {
                    float[] wr = widenRun(w, (long) p * n + j0, width, run);
                    int wo = wr == run ? 0 : p * n + j0;
                    for (int i = 0; i < m; i++) axpy(x[i * k + p], wr, wo, y, i * n + j0, width);
                }
            }
        });
    }

    /**
     * Weights [from, from + len) as float32: the array itself for float32 storage (read in place),
     * else {@code run} filled with the widened values (BF16 with vector shifts).
     */
    private static float[] widenRun(Storage w, long from, int len, float[] run) {
        switch (w) {
            case FloatStorage(float[] wd) -> { return wd; }
            case SegmentStorage s when s.dtype() == DType.BF16 -> {
                MemorySegment seg = s.segment();
                int p = 0, bound = S.loopBound(len);
                for (; p < bound; p += S.length()) {
                    ShortVector.fromMemorySegment(S, seg, 2L * (from + p), LE)
                            .convertShape(VectorOperators.S2I, I, 0)
                            .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
                            .intoArray(run, p);
                }
                for (; p < len; p++) run[p] = SegmentStorage.bf16ToFloat(seg.get(I16_LE, 2L * (from + p)));
                return run;
            }
            default -> { w.widen(from, run, 0, len); return run; }
        }
    }

    private static void axpy(float a, float[] src, int so, float[] dst, int d0, int len) {
        FloatVector av = FloatVector.broadcast(F, a);
        int p = 0, bound = F.loopBound(len);
        for (; p < bound; p += F.length()) {
            FloatVector.fromArray(F, src, so + p).fma(av, FloatVector.fromArray(F, dst, d0 + p)).intoArray(dst, d0 + p);
        }
        for (; p < len; p++) dst[d0 + p] += a * src[so + p];
    }

    /** The plain loop {@link #xw} must agree with. */
    public static void xwScalar(float[] y, float[] x, Storage w, int m, int k, int n) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) sum += x[i * k + p] * w.get((long) p * n + j);
                y[i * n + j] = sum;
            }
        }
    }
}
