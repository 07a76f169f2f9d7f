package dev.tailor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /** n values uniform in [lo, hi) from a fixed seed. */
    public static float[] uniform(long seed, int n, float lo, float hi) {
        Random rnd = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (hi - lo) * rnd.nextFloat();
        return a;
    }
}
