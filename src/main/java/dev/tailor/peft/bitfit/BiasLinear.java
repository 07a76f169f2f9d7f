package dev.tailor.peft.bitfit;

import dev.tailor.autograd.MatOps;
import dev.tailor.nn.Linear;
import dev.tailor.peft.Narrow;
import dev.tailor.peft.PeftLinear;
import dev.tailor.tensor.Tensor;

import java.util.Map;

/** A linear layer whose bias is a trainable copy: {@code y = W x + b'}; W is the base's, only read. */
public final class BiasLinear implements PeftLinear {

    private final Linear base;
    private final Tensor bias;   // (out), trainable
    private final String key;

    BiasLinear(Linear base, Tensor bias, String key) {
        if (base.bias() == null) throw new IllegalArgumentException(key + ": the layer has no bias to train");
        if (bias.size() != base.outFeatures()) throw new IllegalArgumentException(key + ": bias has shape " + bias.shape() + ", the layer needs (" + base.outFeatures() + ")");
        this.base = base; this.bias = bias; this.key = key;
    }

    @Override public Tensor forward(Tensor x) { return MatOps.linear(x, base.weight(), bias, base.layout()); }

    @Override public Linear base() { return base; }

    @Override public Map<String, Tensor> tensors() { return Map.of(key, bias); }

    @Override public Linear folded() {
        Tensor b = Narrow.to(bias.data().clone(), Narrow.mergedDtype(base.bias().dtype()), bias.size());
        return new Linear(base.weight(), b, base.layout());
    }
}
