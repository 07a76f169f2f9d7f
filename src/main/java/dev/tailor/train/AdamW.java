package dev.tailor.train;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.TensorEntry;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW as torch.optim.AdamW: decoupled weight decay (p -= lr·wd·p, before the Adam update),
 * bias-corrected moments, eps added to the corrected root:
 * <pre>
 * m = b1·m + (1-b1)·g;  v = b2·v + (1-b2)·g²
 * p -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps)
 * </pre>
 */
public final class AdamW implements Optimizer {

    private final List<Param> params;
    private final double beta1, beta2, eps, weightDecay;
    private final float[][] m, v; // per param, same size as its tensor
    private long t;

    public AdamW(List<Param> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).tensor().size()];
            v[i] = new float[params.get(i).tensor().size()];
        }
    }

    @Override
    public void step(double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
        // 1 - beta is formed in double, as torch does with its Python-float scalars: 1 - 0.999f is 1.3e-5 off 0.001.
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2), e = (float) eps;
        float rootBc2 = (float) Math.sqrt(bc2);
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            float[] w = p.tensor().data(), g = p.tensor().grad(), mi = m[i], vi = v[i];
            if (g == null) continue; // no gradient reached it this step: torch skips such a parameter too
            double plr = lr * p.lrScale();
            float stepSize = (float) (plr / bc1);
            float keep = p.decay() ? (float) (1 - plr * weightDecay) : 1f;
            Parallel.forRange(w.length, (from, to) -> {
                for (int k = from; k < to; k++) {
                    float gk = g[k];
                    float mk = b1 * mi[k] + c1 * gk;
                    float vk = b2 * vi[k] + c2 * gk * gk;
                    mi[k] = mk;
                    vi[k] = vk;
                    w[k] = w[k] * keep - stepSize * mk / ((float) Math.sqrt(vk) / rootBc2 + e);
                }
            });
        }
    }

    @Override public long steps() { return t; }

    @Override
    public List<TensorEntry> state() {
        List<TensorEntry> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            int[] dims = params.get(i).tensor().shape().dims();
            out.add(TensorEntry.floats("optimizer.exp_avg." + params.get(i).name(), DType.F32, m[i], dims));
            out.add(TensorEntry.floats("optimizer.exp_avg_sq." + params.get(i).name(), DType.F32, v[i], dims));
        }
        return out;
    }

    @Override
    public void load(SafetensorsFile file, long steps) {
        for (int i = 0; i < params.size(); i++) {
            StateIO.read(file, "optimizer.exp_avg." + params.get(i).name(), m[i]);
            StateIO.read(file, "optimizer.exp_avg_sq." + params.get(i).name(), v[i]);
        }
        t = steps;
    }
}
