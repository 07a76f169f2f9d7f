package dev.tailor.train;

import dev.tailor.data.Batch;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Tensor;

import java.util.List;
import java.util.SplittableRandom;

/**
 * MeZO (Malladi et al. 2023): zeroth-order SGD in place, at the memory of inference. Each step
 * draws a direction z ~ N(0, I) over the trainable tensors from a per-step seed, evaluates the loss
 * at θ + εz and θ − εz with no tape, and moves θ −= lr · (g z + wd θ) along the projected gradient
 * g = (L+ − L−) / 2ε, an unbiased (to O(ε²)) estimate of the directional derivative zᵀ∇L. z is never
 * stored: every use regenerates it from the seed, so the only memory beyond inference is the
 * trainable tensors themselves. θ is restored as the paper does (+εz, −2εz, +εz), which returns it
 * within float rounding, not bit for bit.
 *
 * <p>The learning-rate schedule applies as for any optimizer; there is no state to checkpoint.
 */
public final class Mezo implements StepFunction, Optimizer {

    /** Elements per generator block: z of a block depends only on (step seed, tensor, block), so blocks run in parallel. */
    static final int BLOCK = 1 << 14;

    private final CausalLM model;
    private final List<Tensor> params;
    private final double eps, weightDecay;
    private final long seed;
    private long t;
    private double projected; // g of the last estimate
    private long direction;   // the seed of its z

    /**
     * @param params      the tensors MeZO moves (float32, updated in place)
     * @param eps         ε, the perturbation scale (the paper uses 1e-3)
     * @param weightDecay on matrices, as the paper's trainer (not on vectors: biases, norms)
     * @param seed        the run's seed; step s uses a direction seed derived from (seed, s)
     */
    public Mezo(CausalLM model, List<Tensor> params, double eps, double weightDecay, long seed) {
        if (!(eps > 0) || Double.isInfinite(eps)) throw new IllegalArgumentException("--mezo-eps must be a positive number, got " + eps);
        if (weightDecay < 0) throw new IllegalArgumentException("MeZO weight decay must be >= 0, got " + weightDecay);
        for (Tensor p : params) if (!p.isFloat32()) throw new IllegalArgumentException("MeZO moves float32 tensors in place, got a " + p.dtype() + " tensor " + p.shape());
        this.model = model;
        this.params = List.copyOf(params);
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.seed = seed;
    }

    @Override
    public Outcome step(List<Batch> batches, double lr, int step) {
        long z = directionSeed(seed, step);
        perturb(z, eps);
        double plus = StepFunction.meanLoss(model, batches);
        perturb(z, -2 * eps);
        double minus = StepFunction.meanLoss(model, batches);
        perturb(z, eps); // back to θ, within float rounding
        double g = (plus - minus) / (2 * eps);
        double loss = (plus + minus) / 2; // L(θ) + O(ε²)
        if (!Double.isFinite(g)) return new Outcome(loss, g, StepFunction.tokens(batches), false);
        projected = g;
        direction = z;
        step(lr);
        return new Outcome(loss, Math.abs(g), StepFunction.tokens(batches), true);
    }

    /** θ −= lr · (g z + wd θ) with the last estimate's g and z (regenerated from its seed). */
    @Override
    public void step(double lr) {
        t++;
        for (int k = 0; k < params.size(); k++) {
            Tensor p = params.get(k);
            if (weightDecay > 0 && p.rank() >= 2) {
                float[] w = p.data();
                float keep = (float) (1 - lr * weightDecay);
                for (int i = 0; i < w.length; i++) w[i] *= keep;
            }
            addNoise(p.data(), -lr * projected, tensorSeed(direction, k));
        }
    }

    /** θ += scale · z for the direction of seed {@code z}. */
    void perturb(long z, double scale) {
        for (int k = 0; k < params.size(); k++) addNoise(params.get(k).data(), scale, tensorSeed(z, k));
    }

    /** z of direction seed {@code z}, materialised per trainable tensor (to check an estimate against it). */
    float[][] direction(long z) {
        float[][] out = new float[params.size()][];
        for (int k = 0; k < params.size(); k++) {
            out[k] = new float[params.get(k).size()];
            addNoise(out[k], 1, tensorSeed(z, k));
        }
        return out;
    }

    /** The projected gradient of the last step. */
    double projectedGradient() { return projected; }

    /** w += scale · z, z ~ N(0, I) drawn block by block from {@code seed}; the same seed gives the same z. */
    static void addNoise(float[] w, double scale, long seed) {
        int blocks = (w.length + BLOCK - 1) / BLOCK;
        Parallel.forChunks(blocks, 1, (c, from, to) -> {
            for (int b = from; b < to; b++) addNoiseBlock(w, b * BLOCK, Math.min(w.length, (b + 1) * BLOCK), scale, blockSeed(seed, b));
        });
    }

    /** The scalar path of {@link #addNoise}: one generator per block, in order. */
    static void addNoiseScalar(float[] w, double scale, long seed) {
        for (int b = 0; b * BLOCK < w.length; b++) addNoiseBlock(w, b * BLOCK, Math.min(w.length, (b + 1) * BLOCK), scale, blockSeed(seed, b));
    }

    private static void addNoiseBlock(float[] w, int from, int to, double scale, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float s = (float) scale; // ±ε and −2ε are exact multiples of the same float, so the three perturbations cancel up to the additions' rounding
        for (int i = from; i < to; i++) w[i] += s * (float) r.nextGaussian();
    }

    static long directionSeed(long runSeed, int step) { return mix(runSeed * 0x9E3779B97F4A7C15L + step); }

    private static long tensorSeed(long direction, int k) { return mix(direction + 0xBF58476D1CE4E5B9L * (k + 1)); }

    private static long blockSeed(long tensorSeed, int block) { return mix(tensorSeed ^ 0x94D049BB133111EBL * (block + 1)); }

    /** SplitMix64's finaliser: nearby inputs give unrelated seeds. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override public long steps() { return t; }

    /** MeZO-SGD keeps no state beyond the step count. */
    @Override public List<TensorEntry> state() { return List.of(); }

    @Override public void load(SafetensorsFile file, long steps) { t = steps; }
}
