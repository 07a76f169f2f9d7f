package dev.tailor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Element-wise closeness assertions and seeded test inputs shared by the numeric tests. */
public final class Approx {

    private Approx() {}

    /** Fails naming the first index where |actual - expected| > atol + rtol * |expected|. */
    public static void assertClose(float[] expected, float[] actual, double atol, double rtol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            boolean bothNaN = Double.isNaN(e) && Double.isNaN(a);
            if (!bothNaN && !(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
                fail(String.format("%s: element %d: expected %.9g, got %.9g (|diff| %.3g > atol %.1g + rtol %.1g * |expected|)",
                        what, i, e, a, Math.abs(a - e), atol, rtol));
            }
        }
    }

    /**
     * max |actual - expected| <= tol * max |expected|, for results whose rounding scales with the
     * largest entry (gradients, sums of products). Fails naming the worst element, and also when
     * {@code expected} is all zeros: such a comparison would prove nothing.
     */
    public static void assertCloseToMax(float[] expected, float[] actual, double tol, String what) {
        assertNotNull(expected, what + ": no expected values");
        assertNotNull(actual, what + ": no values");
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 0, worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i]));
            double d = Math.abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; } // a NaN difference is the worst
        }
        assertTrue(max > 0, what + ": expected values are all zero, the comparison proves nothing");
        if (at >= 0 && !(worst <= tol * max)) {
            fail(String.format("%s: element %d: expected %.9g, got %.9g (|diff| %.3g > %.1g x max %.4g)",
                    what, at, expected[at], actual[at], worst, tol, max));
        }
    }

    /** n values uniform in [lo, hi) from a fixed seed. */
    public static float[] uniform(long seed, int n, float lo, float hi) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
        return a;
    }
}
