package dev.tailor.peft.adapter;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.MatOps;
import dev.tailor.nn.Linear;
import dev.tailor.peft.BottleneckConfig.Nonlinearity;
import dev.tailor.peft.PeftLinear;
import dev.tailor.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sublayer's output projection followed by a bottleneck adapter with its own skip connection:
 * {@code h = base(x); y = h + up(f(down(h)))}. Standing in the slot of o_proj / down_proj (GPT-2:
 * attn.c_proj / mlp.c_proj), this is the adapter "after the attention / MLP output, before the
 * residual add" without touching the model.
 */
public final class BottleneckLinear implements PeftLinear {

    private final Linear base;
    private final Tensor down, downBias;  // adapter_down.0: (m, C), (m)
    private final Tensor up, upBias;      // adapter_up: (C, m), (C)
    private final Nonlinearity f;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    /** {@code prefix} is the saved-key prefix up to {@code adapter_down} / {@code adapter_up}. */
    BottleneckLinear(Linear base, String prefix, Tensor down, Tensor downBias, Tensor up, Tensor upBias, Nonlinearity f) {
        int c = base.outFeatures(), m = down.dim(0);
        if (down.dim(1) != c || up.dim(0) != c || up.dim(1) != m || downBias.dim(0) != m || upBias.dim(0) != c) {
            throw new IllegalArgumentException(prefix + ": bottleneck shapes down " + down.shape() + ", up " + up.shape()
                    + " do not fit a layer with " + c + " outputs and width " + m);
        }
        this.base = base; this.down = down; this.downBias = downBias; this.up = up; this.upBias = upBias; this.f = f;
        tensors.put(prefix + "adapter_down.0.weight", down);
        tensors.put(prefix + "adapter_down.0.bias", downBias);
        tensors.put(prefix + "adapter_up.weight", up);
        tensors.put(prefix + "adapter_up.bias", upBias);
    }

    @Override public Tensor forward(Tensor x) {
        Tensor h = base.forward(x);                                   // (..., C)
        Tensor z = f.apply(MatOps.linear(h, down, downBias));         // (..., m)
        return BasicOps.add(h, MatOps.linear(z, up, upBias));         // (..., C)
    }

    @Override public Linear base() { return base; }

    @Override public Map<String, Tensor> tensors() { return tensors; }

    @Override public Linear folded() {
        throw new UnsupportedOperationException("a bottleneck adapter cannot be merged into its layer: the nonlinearity between its down "
                + "and up projections has no linear equivalent; load it beside the base instead (eval --adapter)");
    }
}
