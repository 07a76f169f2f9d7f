package dev.tailor.peft.lora;

import dev.tailor.tensor.Tensor;

/**
 * One adapter's trainable tensors on one linear layer. A layer that is not adapted but whose bias
 * trains (bias = "all") has no A and B.
 *
 * @param a         lora_A.weight (r, in), or null
 * @param b         lora_B.weight (out, r), or null
 * @param magnitude lora_magnitude_vector (out): DoRA's per-row magnitude, or null for plain LoRA
 * @param bias      (out) a trainable copy of the base bias, used instead of it; null when the bias is frozen
 * @param scale     alpha / r (or alpha / sqrt(r) with rsLoRA)
 * @param dropout   dropout probability on the adapter's input while training
 */
public record LoraWeights(Tensor a, Tensor b, Tensor magnitude, Tensor bias, float scale, float dropout) {

    public LoraWeights {
        if ((a == null) != (b == null)) throw new IllegalArgumentException("lora_A and lora_B come together");
        if (a != null && (a.rank() != 2 || b.rank() != 2 || a.dim(0) != b.dim(1))) {
            throw new IllegalArgumentException("lora_A must be (r, in) and lora_B (out, r) with the same r, got " + a.shape() + " and " + b.shape());
        }
        if (magnitude != null && (a == null || magnitude.rank() != 1 || magnitude.dim(0) != b.dim(0))) {
            throw new IllegalArgumentException("lora_magnitude_vector must be (out) next to lora_B " + (b == null ? "(none)" : b.shape()));
        }
    }

    /** Whether this adapter has a low-rank update (false: only a trainable bias). */
    public boolean lowRank() { return a != null; }

    public boolean dora() { return magnitude != null; }

    public int rank() { return a == null ? 0 : a.dim(0); }
}
