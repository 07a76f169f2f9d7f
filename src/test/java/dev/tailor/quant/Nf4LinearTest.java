package dev.tailor.quant;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.autograd.Tape;
import dev.tailor.nn.Linear;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A Linear over an NF4 weight against the same Linear over the dequantised float32 weight (decoded
 * by the scalar twin): forward output and input gradient. The kernel widens the NF4 panels to the
 * same floats, so the two may differ only by float32 summation order: each result is within
 * gamma_K * sum|a_i b_i| of the exact sum (gamma_K = K u / (1 - K u), u = 2^-24), so their
 * difference is within twice that. A decode error would be of the order of the quantisation
 * step, about 0.1 of the weight scale: far above this bound.
 */
class Nf4LinearTest {

    @AfterEach void clearTape() { Tape.clear(); }

    @ParameterizedTest
    @CsvSource({"7, 257, 33", "16, 896, 320", "3, 64, 130"})
    void nf4LinearEqualsLinearOverDequantisedWeight(int m, int k, int n) {
        SplittableRandom rnd = new SplittableRandom(m * 1000L + k + n);
        float[] w = gaussians(rnd, n * k, 0.02), b = gaussians(rnd, n, 0.1), x = gaussians(rnd, m * k, 1), r = gaussians(rnd, m * n, 1);
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(w));
        float[] deq = new float[n * k]; // (N, K)
        q.widenScalar(0, deq, 0, deq.length);
        Tensor bias = Tensor.of(b, n);

        Tensor x1 = Tensor.of(x.clone(), m, k).requiresGrad(true), x2 = Tensor.of(x.clone(), m, k).requiresGrad(true);
        Tensor y1 = forwardBackward(new Linear(Nf4Storage.quantise(Tensor.of(w, n, k)), bias, WeightLayout.OUT_IN), x1, r); // (M, N)
        Tensor y2 = forwardBackward(new Linear(Tensor.of(deq, n, k), bias, WeightLayout.OUT_IN), x2, r);
        assertEquals(DType.NF4, Nf4Storage.quantise(Tensor.of(w, n, k)).dtype());

        double u = Math.ulp(1f) / 2;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double mag = Math.abs(b[j]);
                for (int p = 0; p < k; p++) mag += Math.abs(x[i * k + p] * deq[j * k + p]);
                double bound = 2 * gamma(k + 1, u) * mag;
                double d = Math.abs(y1.data()[i * n + j] - y2.data()[i * n + j]);
                assertTrue(d <= bound, "y[" + i + "," + j + "]: |" + y1.data()[i * n + j] + " - " + y2.data()[i * n + j] + "| > " + bound);
            }
            for (int p = 0; p < k; p++) { // dX = dY . W with dY = r
                double mag = 0;
                for (int j = 0; j < n; j++) mag += Math.abs(r[i * n + j] * deq[j * k + p]);
                double bound = 2 * gamma(n, u) * mag;
                double d = Math.abs(x1.grad()[i * k + p] - x2.grad()[i * k + p]);
                assertTrue(d <= bound, "dx[" + i + "," + p + "]: |" + x1.grad()[i * k + p] + " - " + x2.grad()[i * k + p] + "| > " + bound);
            }
        }
        assertFalse(Tape.needsGrad(Nf4Storage.quantise(Tensor.of(w, n, k))), "an NF4 weight is frozen");
    }

    /** y = layer(x); backward of L = sum(r * y), so dL/dy = r and x.grad() = r . W. */
    private static Tensor forwardBackward(Linear layer, Tensor x, float[] r) {
        Tensor y = layer.forward(x);
        Tape.backward(BasicOps.sum(BasicOps.mul(y, Tensor.of(r, y.shape().dims()))));
        return y;
    }

    private static double gamma(int terms, double u) { return terms * u / (1 - terms * u); }

    private static float[] gaussians(SplittableRandom rnd, int n, double sigma) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (sigma * Nf4StorageTest.gaussian(rnd));
        return v;
    }
}
