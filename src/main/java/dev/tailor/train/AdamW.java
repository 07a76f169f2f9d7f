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
 * As in torch, t counts the updates of each parameter: a tensor that got no gradient in a step, or
 * was frozen for it (Half Fine-Tuning), is skipped entirely (no decay, no moment decay), and when
 * it trains again its bias correction continues from its own count.
 */
public final class AdamW implements Optimizer {

    private final List<Param> params;
    private final double beta1, beta2, eps, weightDecay;
    private final float[][] m, v; // per param, same size as its tensor
    private final long[] count;   // per param: updates it has received (torch's state["step"])
    private long t;               // optimizer steps taken

    public AdamW(List<Param> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        this.count = new long[params.size()];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new float[params.get(i).tensor().size()];
            v[i] = new float[params.get(i).tensor().size()];
        }
    }

    @Override
    public void step(double lr) {
        t++;
        // 1 - beta is formed in double, as torch does with its Python-float scalars: 1 - 0.999f is 1.3e-5 off 0.001.
        float b1 = (float) beta1, b2 = (float) beta2, c1 = (float) (1 - beta1), c2 = (float) (1 - beta2), e = (float) eps;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            float[] w = p.tensor().data(), g = p.tensor().grad(), mi = m[i], vi = v[i];
            if (g == null || !p.tensor().requiresGrad()) continue; // no gradient this step, or frozen: torch skips such a parameter too
            long n = ++count[i];
            double bc1 = 1 - Math.pow(beta1, n);
            float rootBc2 = (float) Math.sqrt(1 - Math.pow(beta2, n));
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
            out.add(TensorEntry.longs("optimizer.step." + params.get(i).name(), new long[] {count[i]}, 1));
        }
        return out;
    }

    @Override
    public void load(SafetensorsFile file, long steps) {
        for (int i = 0; i < params.size(); i++) {
            StateIO.read(file, "optimizer.exp_avg." + params.get(i).name(), m[i]);
            StateIO.read(file, "optimizer.exp_avg_sq." + params.get(i).name(), v[i]);
            String key = "optimizer.step." + params.get(i).name();
            count[i] = file.contains(key) ? file.longs(key)[0] : steps; // checkpoints before per-parameter counts: every tensor stepped every step
        }
        t = steps;
    }
}
