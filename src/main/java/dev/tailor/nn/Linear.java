package dev.tailor.nn;

import dev.tailor.autograd.MatOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.tensor.Tensor;

/**
 * A linear layer as the checkpoint stores it: {@code weight} is (out, in) as in nn.Linear, or
 * (in, out) as in GPT-2's Conv1D ({@link WeightLayout#IN_OUT}); {@code bias} is (out) or null.
 * A frozen weight keeps its stored dtype and gets no gradient.
 */
public record Linear(Tensor weight, Tensor bias, WeightLayout layout) implements LinearLayer {

    public Linear {
        if (weight.rank() != 2) throw new IllegalArgumentException("linear weight must be 2-D, got " + weight.shape());
        int out = layout == WeightLayout.OUT_IN ? weight.dim(0) : weight.dim(1);
        if (bias != null && (bias.rank() != 1 || bias.dim(0) != out)) {
            throw new IllegalArgumentException("linear bias must be (" + out + "), got " + bias.shape());
        }
    }

    public int inFeatures() { return layout == WeightLayout.OUT_IN ? weight.dim(1) : weight.dim(0); }

    public int outFeatures() { return layout == WeightLayout.OUT_IN ? weight.dim(0) : weight.dim(1); }

    @Override public Tensor forward(Tensor x) { return MatOps.linear(x, weight, bias, layout); }

    @Override public Linear base() { return this; }
}
