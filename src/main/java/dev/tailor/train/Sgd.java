package dev.tailor.train;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.TensorEntry;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Parallel;

import java.util.ArrayList;
import java.util.List;

/**
 * SGD as torch.optim.SGD (dampening 0, no Nesterov): g += wd·p (L2, coupled); with momentum
 * buf = mu·buf + g (buf = g on the first step); p -= lr·buf.
 */
public final class Sgd implements Optimizer {

    private final List<Param> params;
    private final double momentum, weightDecay;
    private final float[][] buf; // momentum buffers; unused when momentum == 0
    private long t;

    public Sgd(List<Param> params, double momentum, double weightDecay) {
        this.params = List.copyOf(params);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.buf = new float[params.size()][];
        for (int i = 0; i < params.size(); i++) buf[i] = new float[params.get(i).tensor().size()];
    }

    @Override
    public void step(double lr) {
        boolean first = t == 0;
        t++;
        float mu = (float) momentum;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            float[] w = p.tensor().data(), g = p.tensor().grad(), b = buf[i];
            if (g == null || !p.tensor().requiresGrad()) continue; // frozen this step (HFT): no decay, no momentum
            float plr = (float) (lr * p.lrScale());
            float wd = p.decay() ? (float) weightDecay : 0f;
            Parallel.forRange(w.length, (from, to) -> {
                for (int k = from; k < to; k++) {
                    float d = g[k] + wd * w[k];
                    if (mu != 0f) { d = first ? d : mu * b[k] + d; b[k] = d; }
                    w[k] -= plr * d;
                }
            });
        }
    }

    @Override public long steps() { return t; }

    @Override
    public List<TensorEntry> state() {
        List<TensorEntry> out = new ArrayList<>();
        if (momentum == 0) return out;
        for (int i = 0; i < params.size(); i++) {
            out.add(TensorEntry.floats("optimizer.momentum." + params.get(i).name(), DType.F32, buf[i], params.get(i).tensor().shape().dims()));
        }
        return out;
    }

    @Override
    public void load(SafetensorsFile file, long steps) {
        if (momentum != 0) for (int i = 0; i < params.size(); i++) StateIO.read(file, "optimizer.momentum." + params.get(i).name(), buf[i]);
        t = steps;
    }
}
