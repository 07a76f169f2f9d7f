package dev.tailor.train;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.lora.LoraLinear;
import dev.tailor.peft.lora.LoraWeights;

/**
 * The matmul FLOPs of one training step ("model FLOPs", as in MFU), counted from the layers the
 * model actually holds. With N = B·T tokens and a Linear of (in, out):
 * <ul>
 *   <li>forward: 2·N·in·out per Linear (the tied head included), plus 2·N·r·(in + out) per active
 *       LoRA adapter (x·Aᵀ then ·Bᵀ);</li>
 *   <li>backward, input gradient: the same again for every Linear and adapter (counted everywhere,
 *       though the first block's q/k/v skip it when the embedding is frozen: under 1% of a step);</li>
 *   <li>backward, weight gradient: 2·N·in·out only for a trainable base weight, 2·N·r·(in + out)
 *       for an adapter's A and B; a frozen weight has none;</li>
 *   <li>attention per layer: causal, so only the T(T+1)/2 (query, key) pairs that are computed:
 *       forward q·kᵀ and p·v, 2·B·H·D·T(T+1)/2 each; backward dq, dk, dv and dp, four of the same.</li>
 * </ul>
 * Not counted, as MFU convention has it: the backward's recomputation of the attention scores,
 * the recomputed forward of activation checkpointing, DoRA's per-step weight norms, elementwise ops.
 */
public record StepFlops(double forward, double backwardInput, double backwardWeight) {

    public double total() { return forward + backwardInput + backwardWeight; }

    /** The FLOPs of one forward + backward over a (batch, seq) batch of {@code model} as it is now set up. */
    public static StepFlops of(CausalLM model, int batch, int seq) {
        double n = (double) batch * seq, fwd = 0, dx = 0, dw = 0;
        for (LinearSlot slot : model.linears()) {
            LinearLayer layer = slot.get();
            Linear base = layer.base();
            double dense = 2 * n * base.inFeatures() * base.outFeatures();
            fwd += dense;
            dx += dense;
            if (base.weight().requiresGrad()) dw += dense;
            int r = adapterRank(layer);
            double adapter = 2 * n * r * (base.inFeatures() + base.outFeatures());
            fwd += adapter;
            dx += adapter;
            dw += adapter;
        }
        ModelConfig c = model.config();
        double pairs = (double) seq * (seq + 1) / 2;
        double attnProduct = 2.0 * batch * c.numHeads() * c.headDim() * pairs; // one of q·kᵀ, p·v, dq, dk, dv, dp
        fwd += c.numLayers() * 2 * attnProduct;
        dx += c.numLayers() * 4 * attnProduct;
        return new StepFlops(fwd, dx, dw);
    }

    /** The rank of the layer's active, unmerged low-rank adapter, else 0. */
    private static int adapterRank(LinearLayer layer) {
        if (!(layer instanceof LoraLinear lora) || lora.active() == null || lora.isMerged()) return 0;
        LoraWeights w = lora.weights(lora.active());
        return w.lowRank() ? w.rank() : 0;
    }
}
