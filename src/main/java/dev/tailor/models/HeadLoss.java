package dev.tailor.models;

import dev.tailor.autograd.LossOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.tensor.Tensor;

/**
 * The training loss from a model's final hidden states and its output head: the fused head and
 * cross-entropy ({@link LossOps#linearCrossEntropy}) when the head is a plain (out, in) Linear
 * without a bias, frozen or trainable, tied to the embedding or not: the case of every Llama,
 * Qwen, Mistral and GPT-2 checkpoint, so training never holds the (B, T, V) logits. Any other head
 * (a PEFT wrapper on lm_head: LoRA, IA3, a bottleneck adapter, a bias) runs as in
 * {@link CausalLM#forward}: logits, then {@link LossOps#crossEntropy}.
 */
public final class HeadLoss {

    private HeadLoss() {}

    /**
     * @param hidden (B, T, C) the final normalised hidden states, the head's input
     * @param labels (B * T) token ids or -100, as {@link LossOps#crossEntropy}
     * @return the mean cross-entropy over the counted tokens, a scalar on the tape
     */
    public static Tensor of(Tensor hidden, LinearLayer head, int[] labels, boolean shift) {
        if (head instanceof Linear(Tensor weight, Tensor bias, WeightLayout layout) && bias == null && layout == WeightLayout.OUT_IN) {
            return LossOps.linearCrossEntropy(hidden, weight, labels, shift);
        }
        return LossOps.crossEntropy(head.forward(hidden), labels, shift);
    }
}
