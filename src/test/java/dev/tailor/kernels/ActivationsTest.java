package dev.tailor.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Fast activation kernels against their scalar twins. Lanes.exp and Lanes.tanh are within 1.06 and
 * 1.94 ulp of Math.exp / Math.tanh rounded to float, and the expressions are evaluated in another order:
 * 2e-6 relative plus 1e-6 absolute (outputs near zero). Dropout masks are integer hashes and equal
 * bit for bit.
 */
class ActivationsTest {

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {7, 33, 257, 70001})
    void pointwiseMatchTwins(int n) {
        float[] x = uniform(21, n, -8, 8), up = uniform(22, n, -2, 2), g = uniform(23, n, -1, 1);
        float[] fast = new float[n], twin = new float[n];

        Activations.silu(fast, x, n);
        Activations.siluScalar(twin, x, n);
        assertClose(twin, fast, 1e-6, 2e-6, "silu");
        Activations.gelu(fast, x, n);
        Activations.geluScalar(twin, x, n);
        assertClose(twin, fast, 1e-6, 2e-6, "gelu");
        Activations.swiglu(fast, x, up, n);
        Activations.swigluScalar(twin, x, up, n);
        assertClose(twin, fast, 1e-6, 2e-6, "swiglu");
        Activations.relu(fast, x, n);
        Activations.reluScalar(twin, x, n);
        assertArrayEquals(twin, fast, 0f, "relu");

        float[] d1 = uniform(24, n, -1, 1), d2 = d1.clone();
        Activations.siluBackward(d1, g, x, n);
        Activations.siluBackwardScalar(d2, g, x, n);
        assertClose(d2, d1, 1e-6, 2e-6, "siluBackward");
        Activations.geluBackward(d1, g, x, n);
        Activations.geluBackwardScalar(d2, g, x, n);
        assertClose(d2, d1, 1e-6, 2e-6, "geluBackward");
        Activations.reluBackward(d1, g, x, n);
        Activations.reluBackwardScalar(d2, g, x, n);
        assertClose(d2, d1, 1e-6, 2e-6, "reluBackward");

        float[] dg1 = uniform(25, n, -1, 1), dg2 = dg1.clone(), du1 = uniform(26, n, -1, 1), du2 = du1.clone();
        Activations.swigluBackward(dg1, du1, g, x, up, n);
        Activations.swigluBackwardScalar(dg2, du2, g, x, up, n);
        assertClose(dg2, dg1, 1e-6, 2e-6, "swigluBackward dgate");
        assertClose(du2, du1, 1e-6, 2e-6, "swigluBackward dup");
        Activations.swigluBackward(null, du1, g, x, up, n); // frozen gate: only dup
        Activations.swigluBackwardScalar(null, du2, g, x, up, n);
        assertClose(du2, du1, 1e-6, 2e-6, "swigluBackward dup only");
    }

    @ParameterizedTest(name = "rows={0} cols={1}")
    @CsvSource({"1, 7", "3, 33", "5, 257", "300, 257"})
    void softmaxMatchesTwin(int rows, int cols) {
        int n = rows * cols;
        float[] x = uniform(31, n, -10, 10), g = uniform(32, n, -1, 1);
        float[] fast = new float[n], twin = new float[n];
        Activations.softmax(fast, x, rows, cols);
        Activations.softmaxScalar(twin, x, rows, cols);
        assertClose(twin, fast, 1e-7, 2e-6, "softmax");
        float[] d1 = uniform(33, n, -1, 1), d2 = d1.clone();
        Activations.softmaxBackward(d1, g, twin, rows, cols);
        Activations.softmaxBackwardScalar(d2, g, twin, rows, cols);
        assertClose(d2, d1, 1e-6, 2e-6, "softmaxBackward");
    }

    @ParameterizedTest(name = "n={0}")
    @ValueSource(ints = {7, 33, 257, 70001})
    void dropoutMasksEqualTwin(int n) {
        float[] x = uniform(41, n, -1, 1), g = uniform(42, n, -1, 1);
        float[] fast = new float[n], twin = new float[n];
        Activations.dropout(fast, x, 0.3f, 99L, n);
        Activations.dropoutScalar(twin, x, 0.3f, 99L, n);
        assertArrayEquals(twin, fast, 0f, "dropout");
        float[] d1 = uniform(43, n, -1, 1), d2 = d1.clone();
        Activations.dropoutBackward(d1, g, 0.3f, 99L, n);
        Activations.dropoutBackwardScalar(d2, g, 0.3f, 99L, n);
        assertArrayEquals(d2, d1, 0f, "dropoutBackward");
    }
}
