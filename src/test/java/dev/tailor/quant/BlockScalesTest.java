package dev.tailor.quant;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** bitsandbytes' dynamic 8-bit map and the double quantisation of block absmax values. */
class BlockScalesTest {

    @Test void dynamicMapHasBitsandbytesStructure() {
        float[] v = DynamicMap.values();
        assertEquals(256, v.length);
        for (int i = 1; i < 256; i++) assertTrue(v[i - 1] < v[i], "ascending and distinct at " + i);
        // hand values: the extremes of the top decade are 0.1 + 0.9/64/2 and 1 - 0.9/64/2
        assertEquals(1f, v[255], 0f);
        assertEquals(0.99296875f, v[254], 1e-7f);
        assertEquals(-0.99296875f, v[0], 1e-7f);
        assertEquals(0.10703125f, v[255 - 64], 1e-7f);
        // the bottom decade is the single mean of linspace(0.1, 1, 2) = 0.55, times 1e-6
        int zero = DynamicMap.code(0f);
        assertEquals(0f, v[zero], 0f);
        assertEquals(5.5e-7f, v[zero + 1], 1e-13f);
        assertEquals(-5.5e-7f, v[zero - 1], 1e-13f);
        assertEquals(127, zero, "127 negative values below zero");
        int inTopDecade = 0;
        for (float x : v) if (x >= 0.1f && x < 1f) inTopDecade++;
        assertEquals(64, inTopDecade);
    }

    @Test void codeIsTheNearestValue() {
        float[] v = DynamicMap.values();
        for (int i = 0; i < 256; i++) assertEquals(i, DynamicMap.code(v[i]), "value " + i + " maps to itself");
        SplittableRandom rnd = new SplittableRandom(5);
        double worst = 0;
        for (int k = 0; k < 50_000; k++) {
            float x = (float) (rnd.nextDouble() * 2 - 1);
            if (k % 2 == 0) x = (float) (x * Math.pow(10, -rnd.nextInt(7))); // all decades
            int best = 0;
            for (int i = 1; i < 256; i++) if (Math.abs(x - v[i]) < Math.abs(x - v[best])) best = i;
            int got = DynamicMap.code(x);
            assertEquals(Math.abs(x - v[best]), Math.abs(x - v[got]), 0f, "x = " + x);
            worst = Math.max(worst, Math.abs(x - v[got]));
        }
        assertTrue(worst <= DynamicMap.MAX_ERROR, "worst error " + worst + " above the documented " + DynamicMap.MAX_ERROR);
        assertEquals(DynamicMap.MAX_ERROR, Math.abs(-1f - v[DynamicMap.code(-1f)]), 1e-7f, "-1 is the worst case");
    }

    /**
     * absmax[b] comes back within MAX_ERROR * scale(group), the map's worst rounding in units of
     * the group scale, plus float rounding of (a - mean) * (1/scale), code * scale and + mean:
     * four roundings of values no larger than 2 max(a), so 4 ulps of that.
     */
    @Test void doubleQuantisationRoundTripWithinTheDocumentedBound() {
        SplittableRandom rnd = new SplittableRandom(9);
        int blocks = 3 * BlockScales.GROUP + 17; // a partial last group
        float[] absmax = new float[blocks];
        float top = 0;
        for (int b = 0; b < blocks; b++) {
            absmax[b] = (float) (0.05 + 0.02 * Math.abs(Nf4StorageTest.gaussian(rnd)) * (1 + b / BlockScales.GROUP));
            top = Math.max(top, absmax[b]);
        }
        BlockScales s = BlockScales.quantise(absmax);
        assertEquals(blocks, s.blocks());
        for (int b = 0; b < blocks; b++) {
            double err = Math.abs(s.get(b) - absmax[b]);
            double bound = DynamicMap.MAX_ERROR * s.groupScale(b) + 4 * Math.ulp(2 * top);
            assertTrue(err <= bound, "block " + b + ": |" + s.get(b) + " - " + absmax[b] + "| = " + err + " > " + bound);
        }
        assertEquals(blocks + 4L * 4 + 4, s.byteSize(), "one byte per block, 4 group scales, the mean");
    }

    @Test void equalAbsmaxValuesComeBackExactly() {
        float[] absmax = new float[300];
        java.util.Arrays.fill(absmax, 0.37f);
        BlockScales s = BlockScales.quantise(absmax);
        for (int b = 0; b < 300; b++) assertEquals(0.37f, s.get(b), 0f);
    }
}
