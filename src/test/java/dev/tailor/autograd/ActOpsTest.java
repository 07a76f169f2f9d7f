package dev.tailor.autograd;

import dev.tailor.kernels.Activations;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static dev.tailor.Approx.assertClose;
import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Hand values for the activations and central-difference gradients. Step 1e-2: the truncation
 * error h^2/6 * f''' is below 2e-5 for these smooth functions on [-4, 4], and the float32 rounding
 * of the changed outputs adds about 1e-7 / 2e-2 per element, so 1e-3 of the tensor's largest
 * gradient (the DESIGN's gradient tolerance) leaves a margin of more than ten.
 */
class ActOpsTest {

    private static final double H = 1e-2, TOL = 1e-3;

    @AfterEach
    void clearTape() { Tape.clear(); }

    private static Tensor param(long seed, float lo, float hi, int... dims) {
        int n = 1;
        for (int d : dims) n *= d;
        return Tensor.of(uniform(seed, n, lo, hi), dims).requiresGrad(true);
    }

    @Test
    void handValues() {
        // gelu_new(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), evaluated in double by hand
        Tensor x = Tensor.of(new float[] {1, -1, 2, -3, 0.5f, 0}, 6);
        assertClose(new float[] {0.8411919906f, -0.1588080094f, 1.954597694f, -0.003637392082f, 0.3457140098f, 0f},
                ActOps.gelu(x).data(), 1e-7, 1e-6, "gelu");
        // silu(x) = x / (1 + e^-x)
        Tensor s = Tensor.of(new float[] {1, -2, 3, 0}, 4);
        assertClose(new float[] {0.7310585786f, -0.2384058440f, 2.857722380f, 0f}, ActOps.silu(s).data(), 1e-7, 1e-6, "silu");
        // swiglu(gate, up) = silu(gate) * up
        assertClose(new float[] {2 * 0.7310585786f, -0.5f * -0.2384058440f},
                ActOps.swiglu(Tensor.of(new float[] {1, -2}, 2), Tensor.of(new float[] {2, -0.5f}, 2)).data(), 1e-7, 1e-6, "swiglu");
        // tanh(1) = 0.7615941560, tanh(-2) = -0.9640275801
        assertClose(new float[] {0.7615941560f, -0.9640275801f, 0f}, ActOps.tanh(Tensor.of(new float[] {1, -2, 0}, 3)).data(), 1e-7, 1e-6, "tanh");
        assertArrayEquals(new float[] {0, 0, 2}, ActOps.relu(Tensor.of(new float[] {-1, 0, 2}, 3)).data());
        // softmax([0, 0, ln 2]) = [1/4, 1/4, 1/2]
        assertClose(new float[] {0.25f, 0.25f, 0.5f}, ActOps.softmax(Tensor.of(new float[] {0, 0, (float) Math.log(2)}, 1, 3)).data(),
                1e-7, 1e-6, "softmax");
    }

    @Test
    void pointwiseGradients() {
        Tensor x = param(1, -4, 4, 3, 257), up = param(2, -2, 2, 3, 257);
        GradCheck.check("silu", H, TOL, () -> ActOps.silu(x), x);
        GradCheck.check("gelu", H, TOL, () -> ActOps.gelu(x), x);
        GradCheck.check("swiglu", H, TOL, () -> ActOps.swiglu(x, up), x, up);
        GradCheck.check("tanh", H, TOL, () -> ActOps.tanh(x), x);
        Tensor y = param(3, -1, 1, 7, 33);
        float[] d = y.data();
        for (int i = 0; i < d.length; i++) d[i] += Math.signum(d[i]) * 0.05f; // keep every element off the kink at 0
        GradCheck.check("relu", H, TOL, () -> ActOps.relu(y), y);
    }

    @Test
    void swigluWithFrozenUpGivesOnlyGateGradient() {
        Tensor gate = param(4, -2, 2, 7), up = Tensor.of(uniform(5, 7, -1, 1), 7);
        Tape.backward(BasicOps.sum(ActOps.swiglu(gate, up)));
        assertNull(up.grad());
        assertNotNull(gate.grad());
    }

    @Test
    void softmaxGradient() {
        Tensor x = param(6, -3, 3, 4, 33);
        GradCheck.check("softmax", H, TOL, () -> ActOps.softmax(x), x);
        Tensor z = param(7, -3, 3, 2, 257);
        GradCheck.check("softmax 257", H, TOL, () -> ActOps.softmax(z), z);
    }

    @Test
    void dropoutIsDeterministicAndInverted() {
        int n = 100_000;
        float p = 0.3f;
        Tensor x = Tensor.of(uniform(8, n, 0.5f, 1.5f), n);
        assertSame(x, ActOps.dropout(x, 0f, 1L), "p == 0 is the identity");
        float[] y = ActOps.dropout(x, p, 42L).data();
        assertArrayEquals(y, ActOps.dropout(x, p, 42L).data(), "same seed, same mask");
        int kept = 0, differs = 0;
        float[] other = ActOps.dropout(x, p, 43L).data();
        for (int i = 0; i < n; i++) {
            if (y[i] != 0f) {
                kept++;
                assertEquals(x.data()[i] / (1f - p), y[i], 1e-6f, "kept elements are scaled by 1/(1-p)");
            }
            assertEquals(y[i] != 0f, Activations.kept(42L, p, i));
            if ((y[i] == 0f) != (other[i] == 0f)) differs++;
        }
        // kept ~ Binomial(n, 0.7): mean 70000, standard deviation 145; six deviations
        assertEquals(70_000, kept, 6 * 145, "fraction kept");
        assertTrue(differs > n / 4, "another seed gives another mask (" + differs + " positions differ)");
        assertThrows(IllegalArgumentException.class, () -> ActOps.dropout(x, 1.5f, 1L));
        float[] all = ActOps.dropout(x, 1f, 1L).data();
        for (float v : all) assertEquals(0f, v, "p == 1 drops everything");
    }

    @Test
    void dropoutGradientUsesTheSameMask() {
        Tensor x = param(9, -1, 1, 5, 33);
        GradCheck.check("dropout", H, TOL, () -> ActOps.dropout(x, 0.4f, 7L), x);
    }
}
