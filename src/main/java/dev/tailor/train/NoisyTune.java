package dev.tailor.train;

import dev.tailor.tensor.Tensor;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * NoisyTune (Wu et al. 2022): before fine-tuning, perturb each pretrained parameter matrix by
 * uniform noise scaled to its own spread, {@code W += U(-λ/2, λ/2) · std(W)}, std as torch.std
 * (unbiased). Tensors with fewer than two elements or no spread (norm weights at one, zero biases)
 * are left as they are. Applied to the pretrained tensors a method trains; methods that train only
 * new tensors over a frozen base refuse it (the noise would live in a base that is not saved).
 */
public final class NoisyTune {

    private NoisyTune() {}

    /** Perturbs every tensor of {@code tensors} (float32) in place; each key seeds its own noise. */
    public static void perturb(Map<String, Tensor> tensors, double lambda, long seed) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) throw new IllegalArgumentException("--noisytune must be a finite number >= 0, got " + lambda);
        if (lambda == 0) return;
        tensors.forEach((key, t) -> {
            float[] w = t.data();
            double std = std(w);
            if (!(std > 0)) return;
            SplittableRandom r = new SplittableRandom(seed ^ key.hashCode() * 0x9E3779B97F4A7C15L);
            double scale = lambda * std;
            for (int i = 0; i < w.length; i++) w[i] += (float) ((r.nextDouble() - 0.5) * scale);
        });
    }

    /** sqrt(sum (x - mean)² / (n - 1)) in double; 0 for fewer than two elements. */
    static double std(float[] x) {
        if (x.length < 2) return 0;
        double mean = 0;
        for (float v : x) mean += v;
        mean /= x.length;
        double ss = 0;
        for (float v : x) ss += (v - mean) * (v - mean);
        return Math.sqrt(ss / (x.length - 1));
    }
}
