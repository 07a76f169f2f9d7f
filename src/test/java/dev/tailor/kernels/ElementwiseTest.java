package dev.tailor.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fast kernels against their scalar twins. Sizes cover vector tails (7, 33, 257 are not multiples
 * of any vector length) and a size past two chunks so the parallel split runs.
 * Add, mul, scale and addConstant round once per element in both versions: equal bit for bit.
 * The fused multiply-add and the reordered row sums differ by float rounding: 1e-6 relative.
 */
class ElementwiseTest {

    @ParameterizedTest(name = "rows={0} bn={1}")
    @CsvSource({"1, 7", "3, 33", "5, 257", "1, 1", "300, 257", "70000, 1"})
    void broadcastKernelsMatchTwins(int rows, int bn) {
        int n = rows * bn;
        float[] a = uniform(1, n, -2, 2), b = uniform(2, bn, -2, 2), g = uniform(3, n, -1, 1);
        float[] fast = new float[n], twin = new float[n];
        Elementwise.add(fast, a, b, n, bn);
        Elementwise.addScalar(twin, a, b, n, bn);
        assertArrayEquals(twin, fast, 0f, "add");
        Elementwise.mul(fast, a, b, n, bn);
        Elementwise.mulScalar(twin, a, b, n, bn);
        assertArrayEquals(twin, fast, 0f, "mul");

        float[] da = uniform(4, n, -1, 1), db = uniform(5, bn, -1, 1);
        float[] da2 = da.clone(), db2 = db.clone();
        Elementwise.mulBackward(da, db, g, a, b, n, bn);
        Elementwise.mulBackwardScalar(da2, db2, g, a, b, n, bn);
        assertClose(da2, da, 1e-6, 1e-6, "mulBackward da");
        assertClose(db2, db, 1e-6 * rows, 1e-5, "mulBackward db");

        float[] s1 = uniform(6, bn, -1, 1), s2 = s1.clone();
        Elementwise.sumRows(s1, g, n, bn);
        Elementwise.sumRowsScalar(s2, g, n, bn);
        assertClose(s2, s1, 1e-6 * rows, 1e-5, "sumRows");
    }

    @ParameterizedTest(name = "n={0}")
    @CsvSource({"7", "33", "257", "100003"})
    void flatKernelsMatchTwins(int n) {
        float[] a = uniform(7, n, -3, 3);
        float[] fast = new float[n], twin = new float[n];
        Elementwise.scale(fast, a, -0.37f, n);
        Elementwise.scaleScalar(twin, a, -0.37f, n);
        assertArrayEquals(twin, fast, 0f, "scale");

        float[] d1 = uniform(8, n, -1, 1), d2 = d1.clone();
        Elementwise.axpy(d1, a, 1.7f, n);
        Elementwise.axpyScalar(d2, a, 1.7f, n);
        assertClose(d2, d1, 1e-6, 1e-6, "axpy");

        Elementwise.addConstant(d1, 0.25f, n);
        Elementwise.addConstantScalar(d2, 0.25f, n);
        assertClose(d2, d1, 1e-6, 1e-6, "addConstant");

        // float lanes vs a double running sum: |error| grows like n * ulp of the partial sums
        assertEquals(Elementwise.sumScalar(a, n), Elementwise.sum(a, n), 1e-6 * n);
    }
}
