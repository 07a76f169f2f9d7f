package dev.tailor.quant;

import java.util.Arrays;

/**
 * bitsandbytes' signed dynamic 8-bit map ({@code create_dynamic_map(signed=True,
 * max_exponent_bits=7, total_bits=8)}), the code QLoRA's double quantisation stores the NF4 block
 * absmax values in. For each decade e = 0 .. 6 the magnitudes 10^(e-6) * m hold 2^e means m of
 * consecutive points of linspace(0.1, 1, 2^e + 1), with both signs; plus 0 and 1: 256 distinct
 * values in [-0.99296875, 1], dense near zero (relative precision) and linear within a decade.
 *
 * <p>Values are computed in double and rounded once to float; bitsandbytes computes them in
 * float32, so an entry may differ from its table in the last bit. Codes are never exchanged with
 * bitsandbytes, only the decoded weights matter, so this is not a compatibility concern.
 */
public final class DynamicMap {

    /** The 256 values, ascending; a code is an index into this table. */
    static final float[] VALUE = build();

    /**
     * Largest distance from a value in [-1, 1] to its nearest code: half the widest gap (the top
     * decade's step 0.9/64, halved) and, equally, -1 to the lowest code -0.99296875.
     */
    public static final float MAX_ERROR = 0.00703125f;

    private DynamicMap() {}

    private static float[] build() {
        float[] v = new float[256];
        int n = 0;
        for (int e = 0; e < 7; e++) {
            int points = (1 << e) + 1;                    // linspace(0.1, 1, points)
            double step = 0.9 / (points - 1), scale = Math.pow(10, e - 6);
            for (int j = 0; j < points - 1; j++) {
                double mean = 0.1 + step * (j + 0.5);     // mean of points j and j + 1
                v[n++] = (float) (scale * mean);
                v[n++] = (float) (-scale * mean);
            }
        }
        v[n++] = 0f;
        v[n++] = 1f;
        if (n != 256) throw new IllegalStateException("dynamic map has " + n + " values, expected 256");
        Arrays.sort(v);
        return v;
    }

    /** The value of a code (its unsigned byte). */
    public static float value(int code) { return VALUE[code & 0xff]; }

    /** A copy of the 256 values, ascending. */
    public static float[] values() { return VALUE.clone(); }

    /** The code of the value nearest to {@code x} (x in [-1, 1]); halfway goes to the lower value. */
    public static int code(float x) {
        int lo = 0, hi = 255;                             // invariant: VALUE[lo] <= x <= VALUE[hi] once clamped
        if (x <= VALUE[0]) return 0;
        if (x >= VALUE[255]) return 255;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (VALUE[mid] <= x) lo = mid; else hi = mid;
        }
        return x - VALUE[lo] <= VALUE[hi] - x ? lo : hi;
    }
}
