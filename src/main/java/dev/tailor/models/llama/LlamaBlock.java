package dev.tailor.models.llama;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.NormOps;
import dev.tailor.autograd.RopeOps.RopeTable;
import dev.tailor.models.KvCache;
import dev.tailor.tensor.Tensor;

/** One decoder layer ({@code model.layers.N}): pre-norm attention and pre-norm MLP, each residual. */
final class LlamaBlock {

    final Tensor inputLayernorm;          // input_layernorm: (C)
    final LlamaAttention selfAttn;        // self_attn
    final Tensor postAttentionLayernorm;  // post_attention_layernorm: (C)
    final LlamaMlp mlp;                   // mlp
    private final float eps;

    LlamaBlock(Tensor inputLayernorm, LlamaAttention selfAttn, Tensor postAttentionLayernorm, LlamaMlp mlp, float eps) {
        this.inputLayernorm = inputLayernorm; this.selfAttn = selfAttn;
        this.postAttentionLayernorm = postAttentionLayernorm; this.mlp = mlp; this.eps = eps;
    }

    /**
     * (B, T, C) -> (B, T, C); {@code prefixK}/{@code prefixV} (P, KVH*D) are keys every query sees
     * (prefix tuning), or null; {@code cache} is this layer's part of the KV cache, or null.
     */
    Tensor forward(Tensor x, RopeTable rope, int[] positions, boolean[] padding, Tensor prefixK, Tensor prefixV, KvCache.Layer cache) {
        Tensor h = BasicOps.add(x, selfAttn.forward(NormOps.rmsNorm(x, inputLayernorm, eps), rope, positions, padding, prefixK, prefixV, cache));
        return BasicOps.add(h, mlp.forward(NormOps.rmsNorm(h, postAttentionLayernorm, eps)));
    }
}
