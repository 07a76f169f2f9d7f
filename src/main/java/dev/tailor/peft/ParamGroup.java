package dev.tailor.peft;

import dev.tailor.tensor.Tensor;

import java.util.List;

/**
 * Trainable tensors that share an optimizer setting. {@code lrScale} multiplies the base learning
 * rate: 1 for ordinary parameters, LoRA+'s ratio for the {@code lora_B} matrices.
 */
public record ParamGroup(String name, List<Tensor> params, double lrScale) {

    public ParamGroup {
        params = List.copyOf(params);
        for (Tensor t : params) {
            if (!t.requiresGrad()) throw new IllegalArgumentException("param group '" + name + "' holds a tensor " + t.shape() + " that is not trainable");
        }
        if (!(lrScale > 0) || Double.isInfinite(lrScale)) {
            throw new IllegalArgumentException("param group '" + name + "': lrScale must be a positive finite number, got " + lrScale);
        }
    }
}
