package dev.tailor.train;

import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Optimizer steps against values worked out by hand (float32 arithmetic: tolerance 1e-6). */
class OptimizerTest {

    static Param param(float[] w, float[] g, boolean decay) {
        Tensor t = Tensor.of(w, decay ? new int[] {1, w.length} : new int[] {w.length}).requiresGrad(true);
        System.arraycopy(g, 0, t.gradBuffer(), 0, g.length);
        return new Param("w", t, 1.0, decay);
    }

    /**
     * lr 0.1, betas (0.9, 0.999), wd 0.01, g = (0.5, -0.1) twice. Step 1: w·0.999 = (0.999, -1.998);
     * m = (0.05, -0.01), v = (2.5e-4, 1e-5); corrected m/sqrt(v) = (1, -1) -> w = (0.899, -1.898).
     * Step 2: w·0.999 = (0.898101, -1.896102); m = (0.095, -0.019) / 0.19 = (0.5, -0.1);
     * v = (4.9975e-4, 1.999e-5) / 0.001999 = (0.25, 0.01) -> again (1, -1): w = (0.798101, -1.796102).
     */
    @Test
    void adamwMatchesHandComputedSteps() {
        Param p = param(new float[] {1f, -2f}, new float[] {0.5f, -0.1f}, true);
        AdamW opt = new AdamW(List.of(p), 0.9, 0.999, 1e-8, 0.01);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.899f, -1.898f}, p.tensor().data(), 1e-6f);
        opt.step(0.1); // the gradient buffer still holds the same g
        assertArrayEquals(new float[] {0.798101f, -1.796102f}, p.tensor().data(), 1e-6f);
        assertEquals(2, opt.steps());
    }

    @Test
    void adamwSkipsDecayOnVectorsAndScalesLrPerGroup() {
        Param v = param(new float[] {1f}, new float[] {0.5f}, false);
        Param s = new Param("s", param(new float[] {1f, 1f}, new float[] {0.5f, 0.5f}, true).tensor(), 2.0, true);
        AdamW opt = new AdamW(List.of(v, s), 0.9, 0.999, 1e-8, 0.5);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.9f}, v.tensor().data(), 1e-6f);           // no decay: 1 - 0.1
        assertArrayEquals(new float[] {0.7f, 0.7f}, s.tensor().data(), 1e-6f);     // lr 0.2: 1·(1 - 0.2·0.5) - 0.2
    }

    /**
     * lr 0.1, momentum 0.9, wd 0.01, g = (0.5, -0.1) twice. Step 1: d = g + 0.01·w = (0.51, -0.12),
     * w = (0.949, -1.988). Step 2: d = (0.50949, -0.11988); buf = 0.9·(0.51, -0.12) + d =
     * (0.96849, -0.22788); w = (0.852151, -1.965212).
     */
    @Test
    void sgdWithMomentumMatchesHandComputedSteps() {
        Param p = param(new float[] {1f, -2f}, new float[] {0.5f, -0.1f}, true);
        Sgd opt = new Sgd(List.of(p), 0.9, 0.01);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.949f, -1.988f}, p.tensor().data(), 1e-6f);
        opt.step(0.1);
        assertArrayEquals(new float[] {0.852151f, -1.965212f}, p.tensor().data(), 1e-6f);
    }

    @Test
    void clippingScalesToTheMaxNormAndLeavesSmallGradients() {
        Param a = param(new float[] {0f, 0f}, new float[] {3f, 0f}, true);
        Param b = param(new float[] {0f}, new float[] {4f}, false);
        List<Param> ps = List.of(a, b);
        double norm = Gradients.globalNorm(ps);
        assertEquals(5.0, norm, 0.0);
        Gradients.clip(ps, norm, 1.0); // coefficient 1 / (5 + 1e-6), as torch
        assertArrayEquals(new float[] {0.6f, 0f}, a.tensor().grad(), 1e-6f);
        assertArrayEquals(new float[] {0.8f}, b.tensor().grad(), 1e-6f);
        Gradients.clip(ps, Gradients.globalNorm(ps), 10.0);
        assertArrayEquals(new float[] {0.8f}, b.tensor().grad(), 1e-6f);
    }

    @Test
    void sumOfSquaresOverBlocksMatchesOnePlainSum() {
        // several blocks of 2^14 and a ragged tail, values across magnitudes: the blocked,
        // interleaved sum differs from one sequential double sum only by rounding (1e-12 relative)
        float[] g = new float[3 * (1 << 14) + 4099];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int i = 0; i < g.length; i++) g[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-4, 3)));
        double plain = 0;
        for (float x : g) plain += (double) x * x;
        assertEquals(plain, Gradients.sumOfSquares(g), plain * 1e-12);
        assertEquals(0.0, Gradients.sumOfSquares(new float[0]), 0.0);
    }

    @Test
    void schedulesFollowTheTransformersFormulas() {
        Schedule cos = new Schedule(Schedule.Shape.COSINE, 1.0, 2, 10);
        assertEquals(0.0, cos.lr(0), 1e-12);
        assertEquals(0.5, cos.lr(1), 1e-12);
        assertEquals(1.0, cos.lr(2), 1e-12);
        assertEquals(0.5, cos.lr(6), 1e-12);                                  // halfway: 0.5·(1 + cos(π/2))
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.25)), cos.lr(4), 1e-12); // progress 2/8
        assertEquals(0.0, cos.lr(10), 1e-12);
        Schedule lin = new Schedule(Schedule.Shape.LINEAR, 2.0, 2, 10);
        assertEquals(2.0 * 7 / 8, lin.lr(3), 1e-12);
        assertEquals(1.0, lin.lr(6), 1e-12);
        Schedule con = new Schedule(Schedule.Shape.CONSTANT, 3.0, 4, 10);
        assertEquals(1.5, con.lr(2), 1e-12);
        assertEquals(3.0, con.lr(9), 1e-12);
        TrainConfig ratio = new TrainConfig(TrainConfig.Optim.ADAMW, 1e-3, 0, 0.9, 0.999, 1e-8, 0, Schedule.Shape.COSINE, -1, 0.1,
                1, 1, 1, 0, 1, 1, 0, 0, 0, 1, true, 5);
        assertEquals(3, ratio.warmupFor(25)); // ceil(0.1 · 25), as transformers' get_warmup_steps
    }

    /**
     * A tensor frozen for two steps (requiresGrad false, as HFT leaves it) keeps its value and its
     * moments despite weight decay 0.5; when it trains again, its bias correction starts from its
     * own first update, as torch's per-parameter state["step"]: with wd 0, lr 0.1, g = 0.5 the
     * first update is lr·m̂/(sqrt(v̂) + eps) = 0.1·0.5/(0.5 + 1e-8) = 0.1, so w = 1 - 0.1 = 0.9.
     * A shared count (t = 3) would give m̂ = 0.05/0.271 and v̂ = 2.5e-4/0.002997, a step of 0.0639.
     */
    @Test
    void adamwSkipsFrozenTensorsAndCountsStepsPerTensor() {
        Param active = param(new float[] {1f}, new float[] {0.5f}, false);
        Param frozen = param(new float[] {1f, 2f}, new float[] {0.3f, 0.3f}, true);
        frozen.tensor().requiresGrad(false);
        AdamW opt = new AdamW(List.of(active, frozen), 0.9, 0.999, 1e-8, 0.5);
        opt.step(0.1);
        opt.step(0.1);
        assertArrayEquals(new float[] {1f, 2f}, frozen.tensor().data(), "frozen: no decay, no update");
        Param late = param(new float[] {1f}, new float[] {0.5f}, false);
        late.tensor().requiresGrad(false);
        AdamW opt2 = new AdamW(List.of(active, late), 0.9, 0.999, 1e-8, 0.0);
        opt2.step(0.1);
        opt2.step(0.1);
        late.tensor().requiresGrad(true);
        opt2.step(0.1);
        assertArrayEquals(new float[] {0.9f}, late.tensor().data(), 1e-6f);
        assertEquals(3, opt2.steps());
    }

    /** The per-tensor counts travel with the checkpoint state: restored, a tensor that stepped once continues at its second update. */
    @Test
    void adamwStepCountsAreSavedAndRestored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Param a = new Param("a", param(new float[] {1f}, new float[] {0.5f}, false).tensor(), 1, false);
        Param b = new Param("b", param(new float[] {1f}, new float[] {0.5f}, false).tensor(), 1, false);
        b.tensor().requiresGrad(false);
        AdamW opt = new AdamW(List.of(a, b), 0.9, 0.999, 1e-8, 0);
        opt.step(0.1);
        opt.step(0.1);
        b.tensor().requiresGrad(true);
        opt.step(0.1); // a: 3 updates, b: 1
        java.nio.file.Path file = dir.resolve("state.safetensors");
        dev.tailor.io.SafetensorsWriter.write(file, opt.state(), java.util.Map.of());
        AdamW restored = new AdamW(List.of(a, b), 0.9, 0.999, 1e-8, 0);
        restored.load(dev.tailor.io.SafetensorsFile.open(file), 3);
        float[] w = b.tensor().data().clone();
        opt.step(0.1);
        float[] expected = b.tensor().data().clone();
        b.tensor().data()[0] = w[0];
        restored.step(0.1);
        assertArrayEquals(expected, b.tensor().data(), "b's second update after a restore equals the uninterrupted one");
    }

    @Test
    void sgdSkipsFrozenTensors() {
        Param frozen = param(new float[] {1f, -2f}, new float[] {0.5f, -0.1f}, true);
        frozen.tensor().requiresGrad(false);
        Sgd opt = new Sgd(List.of(frozen), 0.9, 0.01);
        opt.step(0.1);
        assertArrayEquals(new float[] {1f, -2f}, frozen.tensor().data());
    }
}
