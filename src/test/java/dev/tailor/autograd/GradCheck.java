package dev.tailor.autograd;

import dev.tailor.tensor.Tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks the gradients a function records on the {@link Tape} against central finite differences.
 *
 * <p>The function builds any tensor from its (captured) trainable inputs; the check reduces it to
 * the scalar {@code L = sum_i r_i * out_i} with fixed pseudo-random weights r, so every output
 * element and every path through the op is exercised, not only a sum that might hide
 * sign errors. The finite differences perturb one input element at a time by +-h in place and
 * evaluate L in double: the output elements the perturbation does not touch cancel exactly, so the
 * float32 forward contributes only the rounding of the elements that do change.
 *
 * <p>The comparison is {@code max |analytic - numeric| <= tol * max(|analytic|, |numeric|)} per
 * input tensor: errors are measured against the tensor's largest gradient (the DESIGN's
 * "relative to the tensor's max"), which is robust where single entries are near zero. The check
 * also fails when an input's gradient is identically zero both ways, since such a check proves nothing.
 *
 * <p>Usage: {@code GradCheck.check("rmsNorm", 1e-2, 1e-3, () -> NormOps.rmsNorm(x, w, 1e-5f), x, w);}
 */
public final class GradCheck {

    /** Recomputes the op's output from the current contents of the inputs. */
    @FunctionalInterface
    public interface Forward { Tensor apply(); }

    private GradCheck() {}

    /**
     * Compares Tape gradients of every input with central differences of step h (h in input units).
     *
     * @return the worst error over all inputs, relative to that input's largest gradient
     */
    public static double check(String what, double h, double tol, Forward f, Tensor... inputs) {
        for (Tensor t : inputs) assertTrue(t.requiresGrad(), what + ": every checked input must require grad: " + t);
        Tape.clear();
        float[] r = projection(f);
        float[][] analytic = analytic(what, f, r, inputs);
        double worst = 0;
        try (var g = Tape.noGrad()) {
            for (int k = 0; k < inputs.length; k++) worst = Math.max(worst, compare(what, k, f, r, inputs[k], analytic[k], h, tol));
        }
        return worst;
    }

    /** Fixed weights in [-1, 1) for every element of the output. */
    private static float[] projection(Forward f) {
        int n;
        try (var g = Tape.noGrad()) { n = f.apply().size(); }
        Random rnd = new Random(20240531L);
        float[] r = new float[n];
        for (int i = 0; i < n; i++) r[i] = rnd.nextFloat() * 2f - 1f;
        return r;
    }

    private static float[][] analytic(String what, Forward f, float[] r, Tensor[] inputs) {
        for (Tensor t : inputs) t.dropGrad();
        Tensor out = f.apply();
        assertTrue(out.requiresGrad(), what + ": the output does not depend on any checked input (nothing recorded)");
        Tensor loss = Tensor.scalar((float) project(out, r));
        Tape.record("projection", loss, () -> {
            float g = loss.grad()[0];
            float[] d = out.gradBuffer();
            for (int i = 0; i < r.length; i++) d[i] += g * r[i];
        });
        Tape.backward(loss);
        float[][] grads = new float[inputs.length][];
        for (int k = 0; k < inputs.length; k++) {
            float[] gk = inputs[k].grad();
            grads[k] = gk == null ? new float[inputs[k].size()] : gk.clone();
            inputs[k].dropGrad();
        }
        return grads;
    }

    private static double compare(String what, int k, Forward f, float[] r, Tensor input, float[] analytic, double h, double tol) {
        float[] x = input.data();
        double[] numeric = new double[x.length];
        double scale = 0;
        for (int i = 0; i < x.length; i++) {
            float orig = x[i];
            float plus = (float) (orig + h), minus = (float) (orig - h);
            x[i] = plus;
            double lp = project(f.apply(), r);
            x[i] = minus;
            double lm = project(f.apply(), r);
            x[i] = orig;
            numeric[i] = (lp - lm) / ((double) plus - minus); // the step actually taken in float32
            scale = Math.max(scale, Math.max(Math.abs(numeric[i]), Math.abs(analytic[i])));
        }
        if (scale < 1e-6) fail(what + ": input " + k + " " + input.shape() + " has a zero gradient both ways; the check proves nothing");
        int worstAt = 0;
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double e = Math.abs(analytic[i] - numeric[i]);
            if (e > worst) { worst = e; worstAt = i; }
        }
        if (worst > tol * scale) {
            fail(String.format("%s: input %d %s element %d: tape gradient %.7g, finite difference %.7g (error %.3g > %.3g = tol %.1g x max |grad| %.4g)",
                    what, k, input.shape(), worstAt, analytic[worstAt], numeric[worstAt], worst, tol * scale, tol, scale));
        }
        return worst / scale;
    }

    /** sum_i r_i * out_i in double. */
    private static double project(Tensor out, float[] r) {
        assertNotNull(out);
        float[] d = out.data();
        double s = 0;
        for (int i = 0; i < r.length; i++) s += (double) r[i] * d[i];
        return s;
    }
}
