package dev.tailor.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Random;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;

/**
 * Fused cross-entropy against its twin, with ignored rows mixed in. The log-sum-exp differs by the
 * ulp of Lanes.exp (at most 1.06) and the summation order: 2e-6 relative on values of order 10.
 */
class CrossEntropyTest {

    @ParameterizedTest(name = "rows={0} V={1}")
    @CsvSource({"1, 7", "4, 33", "9, 257", "200, 1000"})
    void forwardAndBackwardMatchTwins(int rows, int V) {
        Random rnd = new Random(81);
        int[] targets = new int[rows];
        for (int r = 0; r < rows; r++) targets[r] = r % 5 == 3 ? -1 : rnd.nextInt(V);
        float[] logits = uniform(82, rows * V, -12, 12);
        float[] l1 = new float[rows], l2 = new float[rows], s1 = new float[rows], s2 = new float[rows];
        CrossEntropy.forward(l1, s1, logits, targets, rows, V);
        CrossEntropy.forwardScalar(l2, s2, logits, targets, rows, V);
        assertClose(s2, s1, 1e-6, 2e-6, "lse");
        assertClose(l2, l1, 1e-5, 2e-6, "row loss");

        float[] d1 = uniform(83, rows * V, -1, 1), d2 = d1.clone();
        CrossEntropy.backward(d1, logits, s2, targets, 0.125f, rows, V);
        CrossEntropy.backwardScalar(d2, logits, s2, targets, 0.125f, rows, V);
        assertClose(d2, d1, 1e-7, 2e-6, "dlogits");
    }
}
