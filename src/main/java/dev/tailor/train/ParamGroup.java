package dev.tailor.train;

import dev.tailor.tensor.Tensor;

import java.util.List;

/**
 * Trainable tensors that share a learning-rate multiplier (LoRA+ gives its B matrices a larger
 * one). A fine-tuning method hands the trainer a list of these; frozen tensors appear in none.
 *
 * @param name    a label for messages and checkpoint keys, e.g. "full" or "lora_B"
 * @param params  trainable float32 tensors
 * @param lrScale multiplier on the scheduled learning rate
 */
public record ParamGroup(String name, List<Tensor> params, double lrScale) {
    public ParamGroup {
        params = List.copyOf(params);
        for (Tensor t : params) {
            if (!t.requiresGrad()) throw new IllegalArgumentException("group '" + name + "' holds a tensor " + t.shape() + " that is not trainable");
        }
    }
}
