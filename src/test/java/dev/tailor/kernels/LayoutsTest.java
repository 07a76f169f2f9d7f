package dev.tailor.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The blocked transpose moves the same floats as the naive one (bit for bit, with and without accumulation). */
class LayoutsTest {

    @ParameterizedTest(name = "batches={0} M={1} N={2}")
    @CsvSource({"1, 7, 33", "3, 33, 7", "2, 257, 65", "1, 1, 5", "40, 64, 40"})
    void blockedTransposeMatchesTwin(int batches, int M, int N) {
        int n = batches * M * N;
        float[] a = uniform(11, n, -1, 1);
        float[] fast = new float[n], twin = new float[n];
        Layouts.transposeLast2(fast, a, batches, M, N, false);
        Layouts.transposeLast2Scalar(twin, a, batches, M, N, false);
        assertArrayEquals(twin, fast, 0f);
        float[] acc1 = uniform(12, n, -1, 1), acc2 = acc1.clone();
        Layouts.transposeLast2(acc1, a, batches, M, N, true);
        Layouts.transposeLast2Scalar(acc2, a, batches, M, N, true);
        assertArrayEquals(acc2, acc1, 0f);
    }

    @Test
    void transposesByHand() {
        float[] a = {1, 2, 3, 4, 5, 6}; // (2, 3)
        float[] out = new float[6];
        Layouts.transposeLast2(out, a, 1, 2, 3, false);
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, out); // (3, 2)
    }
}
