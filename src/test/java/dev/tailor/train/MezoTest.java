package dev.tailor.train;

import dev.tailor.autograd.Tape;
import dev.tailor.data.Batch;
import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.ParamGroup;
import dev.tailor.peft.Targets;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MezoTest {

    @TempDir Path dir;

    /** The tiny Llama with LoRA (r 2) on q_proj and v_proj, B moved off zero so every tensor has a gradient. */
    static Trainable lora() {
        Trainable t = Methods.adapter(TinyRun.model(), LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj", "v_proj"))), 3);
        java.util.Random r = new java.util.Random(5);
        for (Tensor p : params(t)) { float[] d = p.data(); for (int i = 0; i < d.length; i++) d[i] += (r.nextFloat() * 2 - 1) * 0.1f; }
        return t;
    }

    static List<Tensor> params(Trainable t) {
        List<Tensor> out = new ArrayList<>();
        for (ParamGroup g : t.groups()) out.addAll(g.params());
        return out;
    }

    static List<Batch> batches() { return List.of(Batch.of(TinyRun.rows(4, 11), 0)); }

    static float[][] snapshot(List<Tensor> ps) {
        float[][] s = new float[ps.size()][];
        for (int k = 0; k < ps.size(); k++) s[k] = ps.get(k).data().clone();
        return s;
    }

    static void restore(List<Tensor> ps, float[][] s) {
        for (int k = 0; k < ps.size(); k++) System.arraycopy(s[k], 0, ps.get(k).data(), 0, s[k].length);
    }

    /** ∇L by backpropagation, per tensor. */
    static float[][] gradient(Trainable t, List<Batch> batches) {
        Batch b = batches.getFirst();
        Tape.backward(t.model().loss(b.inputs(), b.labels(), true));
        List<Tensor> ps = params(t);
        float[][] g = new float[ps.size()][];
        for (int k = 0; k < ps.size(); k++) { g[k] = ps.get(k).grad().clone(); ps.get(k).dropGrad(); }
        return g;
    }

    static double dot(float[][] a, float[][] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) for (int i = 0; i < a[k].length; i++) s += (double) a[k][i] * b[k][i];
        return s;
    }

    /**
     * +εz, −2εz, +εz returns θ within the three additions' rounding: ±εz and −2εz are the same float
     * product scaled by powers of two (exact), so only the additions round, each by at most half an
     * ulp of a result no larger than |θ| + 2|εz|; 1.5 ulp of that bounds the error.
     */
    @Test
    void perturbingThereAndBackRestoresTheParametersWithinRounding() {
        Trainable t = lora();
        List<Tensor> ps = params(t);
        float[][] before = snapshot(ps);
        Mezo m = new Mezo(t.model(), ps, 1e-3, 0, 1);
        long z = Mezo.directionSeed(1, 0);
        float[][] dz = m.direction(z);
        m.perturb(z, 1e-3);
        assertNotEquals(before[0][0], ps.get(0).data()[0], "the perturbation moves θ");
        m.perturb(z, -2e-3);
        m.perturb(z, 1e-3);
        int exact = 0, total = 0;
        for (int k = 0; k < ps.size(); k++) {
            float[] w = ps.get(k).data();
            for (int i = 0; i < w.length; i++) {
                float bound = 1.5f * Math.ulp(Math.abs(before[k][i]) + 2 * Math.abs(1e-3f * dz[k][i]));
                assertTrue(Math.abs(w[i] - before[k][i]) <= bound, "tensor " + k + " element " + i + ": " + before[k][i] + " came back as " + w[i]);
                if (w[i] == before[k][i]) exact++;
                total++;
            }
        }
        assertTrue(exact > total / 2, "most elements come back bit for bit (" + exact + " of " + total + ")");
    }

    /** The same seed gives the same z in the parallel and the scalar path; another seed another z. */
    @Test
    void directionsAreRegeneratedFromTheirSeed() {
        for (int n : new int[] {7, 33, 257, 3 * Mezo.BLOCK + 5}) {
            float[] a = new float[n], b = new float[n], c = new float[n];
            Mezo.addNoise(a, 0.5, 42);
            Mezo.addNoiseScalar(b, 0.5, 42);
            Mezo.addNoise(c, 0.5, 43);
            assertArrayEquals(b, a, "n " + n);
            assertFalse(java.util.Arrays.equals(a, c), "n " + n + ": another seed");
            double mean = 0, sq = 0;
            for (float x : a) { mean += x / 0.5; sq += (x / 0.5) * (x / 0.5); }
            if (n > 10_000) { // N(0, 1): mean within 4/sqrt(n), variance within 4·sqrt(2/n) of 1
                assertEquals(0, mean / n, 4 / Math.sqrt(n));
                assertEquals(1, sq / n, 4 * Math.sqrt(2.0 / n));
            }
        }
    }

    /**
     * For one direction z, g = (L(θ+εz) − L(θ−εz)) / 2ε equals the directional derivative zᵀ∇L up to
     * the truncation term ε²/6 · D³L[z,z,z] (|z| ≈ sqrt(d) ≈ 30 here, so it is not small at ε = 1e-2:
     * measured up to 2e-2) plus the float32 rounding of the two losses (a few ulp of L ≈ 5.5, ~2e-6)
     * over 2ε. So: at ε = 1e-2 and 3e-3 the error must shrink as ε² (ratio 11; 5..20 allowed), and
     * at ε = 1e-3 (the paper's) the error, truncation ~2e-4 plus rounding up to 2e-6 / 2e-3 = 1e-3,
     * must stay under 1e-3 absolute on derivatives of 0.3..1.2 (measured at most 1.4e-4).
     */
    @Test
    void projectedGradientIsTheDirectionalDerivative() {
        Trainable t = lora();
        List<Tensor> ps = params(t);
        List<Batch> batches = batches();
        float[][] grad = gradient(t, batches);
        double[][] err = new double[3][3]; // [eps][step]
        double[] epsilons = {1e-2, 3e-3, 1e-3};
        for (int e = 0; e < 3; e++) {
            Mezo m = new Mezo(t.model(), ps, epsilons[e], 0, 9);
            for (int step = 0; step < 3; step++) {
                float[][] before = snapshot(ps);
                m.step(batches, 0, step); // lr 0: estimate only
                err[e][step] = m.projectedGradient() - dot(m.direction(Mezo.directionSeed(9, step)), grad);
                restore(ps, before);
            }
        }
        for (int step = 0; step < 3; step++) {
            double ratio = err[0][step] / err[1][step];
            assertTrue(ratio > 5 && ratio < 20, "step " + step + ": error " + err[0][step] + " at ε 1e-2, " + err[1][step] + " at 3e-3 (ratio " + ratio + ", ε² gives 11)");
            assertEquals(0, err[2][step], 1e-3, "step " + step + ": g − zᵀ∇L at ε 1e-3");
        }
    }

    /**
     * E[g z] = ∇L for z ~ N(0, I). Projected on u = ∇L/|∇L|, one sample g (z·u) has mean |∇L| and
     * variance 2|∇L|²; on a unit u' orthogonal to ∇L, mean 0 and variance |∇L|². Over N = 600 seeded
     * directions the means must lie within 4 standard errors (|∇L|·sqrt(2/N) and |∇L|/sqrt(N)); ε's
     * bias is far smaller (see above).
     */
    @Test
    void spsaEstimateIsUnbiased() {
        Trainable t = lora();
        List<Tensor> ps = params(t);
        List<Batch> batches = batches();
        float[][] grad = gradient(t, batches);
        double norm = Math.sqrt(dot(grad, grad));
        float[][] ortho = orthogonalUnit(grad, 77);
        Mezo m = new Mezo(t.model(), ps, 1e-2, 0, 123);
        int n = 600;
        double along = 0, across = 0;
        float[][] before = snapshot(ps);
        for (int i = 0; i < n; i++) {
            m.step(batches, 0, i);
            float[][] z = m.direction(Mezo.directionSeed(123, i));
            along += m.projectedGradient() * dot(z, grad) / norm;
            across += m.projectedGradient() * dot(z, ortho);
            restore(ps, before);
        }
        assertEquals(norm, along / n, 4 * norm * Math.sqrt(2.0 / n), "E[g z]·∇L/|∇L| = |∇L|");
        assertEquals(0, across / n, 4 * norm / Math.sqrt(n), "E[g z]·u' = 0 for u' ⟂ ∇L");
    }

    /** A seeded unit vector orthogonal to {@code g}. */
    static float[][] orthogonalUnit(float[][] g, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[][] u = new float[g.length][];
        for (int k = 0; k < g.length; k++) { u[k] = new float[g[k].length]; for (int i = 0; i < u[k].length; i++) u[k][i] = (float) r.nextGaussian(); }
        double c = dot(u, g) / dot(g, g);
        for (int k = 0; k < g.length; k++) for (int i = 0; i < u[k].length; i++) u[k][i] -= (float) (c * g[k][i]);
        double len = Math.sqrt(dot(u, u));
        for (float[] a : u) for (int i = 0; i < a.length; i++) a[i] /= (float) len;
        return u;
    }

    /**
     * MeZO over LoRA through the trainer: 4 fixed rows, 300 steps of lr 2e-2. The loss at θ must
     * fall by more than 0.05 (a noise-free evaluation at θ, not MeZO's own estimate), the base weights stay bit-identical, nothing is recorded
     * on the tape and no tensor gets a gradient.
     */
    @Test
    void mezoLowersTheLossThroughTheTrainer() {
        Trainable t = Methods.adapter(TinyRun.model(), LoraConfig.of(4, 8, new Targets.AllLinear()), 3);
        Map<String, float[]> base = new java.util.LinkedHashMap<>();
        t.model().parameters().forEach((k, v) -> base.put(k, v.copy().data()));
        Trainable mezo = t.withStep(new Mezo(t.model(), params(t), 1e-3, 0, 42));
        List<TokenRow> rows = TinyRun.rows(4, 11);
        double before = StepFunction.meanLoss(t.model(), batches());
        TrainConfig cfg = TrainConfig.defaults().withOptimizer(TrainConfig.Optim.SGD, 2e-2, 0, 0).withBatch(4, 1).withSteps(300, 0, 0);
        Trainer.Result r = new Trainer(mezo, TrainData.unpacked(rows, List.of(), 0), cfg, dir, TinyRun.quiet(), false).run(null);
        double after = StepFunction.meanLoss(t.model(), batches());
        assertEquals(300, r.losses().size());
        assertTrue(after < before - 0.05, "loss " + before + " -> " + after);
        assertEquals(0, Tape.size(), "MeZO records nothing");
        for (Tensor p : params(t)) assertNull(p.grad(), "no gradient buffer");
        t.model().parameters().forEach((k, v) -> assertArrayEquals(base.get(k), v.copy().data(), "base weight " + k));
    }
}
