package dev.tailor.quant;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** NF4 code table, quantisation of hand values, the fast decode against its twin, storage cost. */
class Nf4StorageTest {

    /** bitsandbytes' NF4 table (functional.py, get_4bit_type("nf4")), copied digit for digit. */
    private static final double[] BNB_NF4 = {
            -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
            -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
            0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
            0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0};

    @Test void codeTableIsBitsandbytesExactly() {
        float[] levels = Nf4Code.levels();
        assertEquals(16, levels.length);
        for (int i = 0; i < 16; i++) assertEquals((float) BNB_NF4[i], levels[i], 0f, "level " + i);
        assertEquals(0f, Nf4Code.level(Nf4Code.ZERO), 0f);
    }

    @Test void indexRoundsToNearestLevelTiesDown() {
        for (int i = 0; i < 16; i++) assertEquals(i, Nf4Code.index((float) BNB_NF4[i]), "level " + i + " maps to itself");
        // bitsandbytes' thresholds: 0.03979014977812767 between 0 and 0.0796; 0.8614784479141235 between 0.723 and 1
        assertEquals(7, Nf4Code.index(0.03979014977812767f));
        assertEquals(8, Nf4Code.index(Math.nextUp(0.03979014977812767f)));
        assertEquals(14, Nf4Code.index(0.8614784479141235f));
        assertEquals(15, Nf4Code.index(Math.nextUp(0.8614784479141235f)));
        assertEquals(0, Nf4Code.index(-0.8480963706970215f));
        assertEquals(1, Nf4Code.index(Math.nextUp(-0.8480963706970215f)));
        SplittableRandom rnd = new SplittableRandom(1);
        for (int k = 0; k < 100_000; k++) {
            float x = (float) (rnd.nextDouble() * 2.2 - 1.1);
            assertEquals(Nf4Code.indexScalar(x), Nf4Code.index(x), "x = " + x);
        }
    }

    @Test void oneBlockOfHandValuesDecodesToLevelTimesAbsmax() {
        // one block: the mean of its absmax is itself, so double quantisation recovers absmax = 2 exactly
        float mid7 = 0.03979014977812767f;
        float[] x = {2f, -2f, 0f, 1f, 0.5f, -0.1f, 2 * mid7, Math.nextUp(2 * mid7), 1.3f};
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(x));
        assertEquals(2f, q.blockAbsmax(0), 0f);
        float[] expected = {
                2f, -2f, 0f,
                0.44070982933044434f * 2,   // 1/2 = 0.5 lies below the 12|13 midpoint 0.5017
                0.24611230194568634f * 2,   // 0.25 below the 10|11 midpoint 0.2920
                -0.09105003625154495f * 2,  // -0.05 below the 6|7 midpoint -0.0455
                0f,                         // exactly on the 7|8 midpoint: ties go down, as bitsandbytes
                0.07958029955625534f * 2,   // one ulp above it
                0.7229568362236023f * 2};   // 0.65 lies above the 13|14 midpoint 0.6428
        float[] got = new float[x.length];
        q.widen(0, got, 0, x.length);
        assertArrayEquals(expected, got);
        for (int i = 0; i < x.length; i++) assertEquals(expected[i], q.get(i), 0f, "get(" + i + ")");
    }

    @Test void twoBlocksShowTheDoubleQuantisedAbsmax() {
        // absmax 1 and 3: mean 2, differences -1 and +1, group scale 1. +1 is a code of the dynamic
        // map, -1 is not: its nearest code is -0.99296875, so block 0's absmax decodes to 1.00703125.
        float[] x = new float[128];
        x[0] = 1f;
        x[1] = 0.5f;
        x[64] = 3f;
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(x));
        assertEquals(2f, q.scales().offset(), 0f);
        assertEquals(1f, q.scales().groupScale(0), 0f);
        assertEquals(3f, q.blockAbsmax(1), 0f);
        assertEquals(1.00703125, q.blockAbsmax(0), 2e-7); // float rounding of -0.99296875 + 2
        assertEquals(1.00703125, q.get(0), 2e-7);
        assertEquals(0.44070982933044434 * 1.00703125, q.get(1), 2e-7); // 0.5 -> level 12
        assertEquals(0f, q.get(2), 0f);
        assertEquals(3f, q.get(64), 0f);
    }

    @Test void zeroBlockAndOddLength() {
        float[] x = new float[64 + 5]; // block 0 all zero, block 1 partial with 5 elements
        x[64] = -4f;
        x[68] = 1f;
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(x));
        assertEquals(69, q.length());
        for (int i = 0; i < 64; i++) assertEquals(0f, q.get(i), 0f);
        // absmax 0 and 4: mean 2, scale 2; +1 is a code, so block 1 keeps absmax 4 exactly
        assertEquals(-4f, q.get(64), 0f);
        assertEquals(0.24611230194568634f * 4, q.get(68), 0f); // 1/4 -> level 10
        assertThrows(IndexOutOfBoundsException.class, () -> q.get(69));
        assertThrows(IndexOutOfBoundsException.class, () -> q.widen(60, new float[10], 0, 10));
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 77, 130})
    void nonFiniteInputIsRefusedWithItsPosition(int at) {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] x = new float[150]; // blocks 0 and 1 full (vector path), block 2 partial (scalar path)
            java.util.Arrays.fill(x, 0.5f);
            x[at] = bad;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nf4Storage.quantise(new FloatStorage(x)));
            assertTrue(e.getMessage().contains("(" + bad + ") at element " + at), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Nf4Storage.quantiseScalar(new FloatStorage(x)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 64, 65, 257, 64 * 300 + 5})
    void fastQuantiseEqualsScalarTwin(int n) {
        SplittableRandom rnd = new SplittableRandom(31 + n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) Math.max(-2.4, Math.min(2.4, gaussian(rnd) * (1 + (i / 64) % 3)));
        for (int i = 0; i < n; i += 64) x[i] = 2.5f;                          // every block's absmax is 2.5 ...
        for (int i = 1; i < n; i += 17) if (i % 64 != 0) x[i] = Nf4Code.MID[i % 15] * 2.5f; // ... so these land within an ulp of a threshold
        Nf4Storage fast = Nf4Storage.quantise(new FloatStorage(x)), slow = Nf4Storage.quantiseScalar(new FloatStorage(x));
        for (int i = 0; i < n; i++) assertEquals(slow.index(i), fast.index(i), "index of element " + i);
        for (int b = 0; b * Nf4Storage.BLOCK < n; b++) assertEquals(slow.blockAbsmax(b), fast.blockAbsmax(b), 0f, "absmax of block " + b);
        assertEquals(slow.byteSize(), fast.byteSize());
    }

    @ParameterizedTest
    @ValueSource(ints = {7, 33, 64, 65, 257, 64 * 300 + 5, 128 * 257 + 1})
    void fastWidenEqualsScalarTwinBitForBit(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (gaussian(rnd) * (1 + (i / 64) % 5)); // block scales vary
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(x));
        float[] fast = new float[n + 3], slow = new float[n + 3];
        q.widen(0, fast, 3, n);
        q.widenScalar(0, slow, 3, n);
        assertArrayEquals(slow, fast, "whole tensor");
        for (int t = 0; t < 300; t++) { // runs as Gemm asks: any start (odd too), any length
            int from = rnd.nextInt(n), len = rnd.nextInt(n - from + 1), off = rnd.nextInt(3);
            Arrays.fill(fast, 7f);
            Arrays.fill(slow, 7f);
            q.widen(from, fast, off, len);
            q.widenScalar(from, slow, off, len);
            assertArrayEquals(slow, fast, "run [" + from + ", " + (from + len) + ") at " + off);
        }
    }

    @Test void quantisesFromMappedBf16LikeFromFloat() {
        int n = 1000;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * n);
            ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                short b = SegmentStorage.floatToBf16((float) gaussian(rnd));
                seg.setAtIndex(le, i, b);
                x[i] = SegmentStorage.bf16ToFloat(b);
            }
            float[] fromBf16 = Nf4Storage.quantise(new SegmentStorage(seg, DType.BF16)).dequantise().data();
            float[] fromF32 = Nf4Storage.quantise(new FloatStorage(x)).dequantise().data();
            assertArrayEquals(fromF32, fromBf16);
        }
    }

    @Test void bitsPerParameterOfAQwenMlpWeight() {
        // 896 x 4864 = 4,358,144 weights: 2,179,072 bytes of indices + 68,096 absmax codes
        // + 266 group scales * 4 + 4 (mean) = 2,248,236 bytes = 4.12696 bits per weight
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(new float[896 * 4864]));
        assertEquals(2_248_236L, q.byteSize());
        assertEquals(8.0 * 2_248_236 / 4_358_144, q.bitsPerParameter(), 1e-12);
        assertEquals(4.127, q.bitsPerParameter(), 1e-3);
        assertEquals(DType.NF4, q.dtype());
    }

    static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
