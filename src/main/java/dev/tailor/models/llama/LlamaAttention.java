package dev.tailor.models.llama;

import dev.tailor.autograd.AttentionOps;
import dev.tailor.autograd.AttentionOps.AttentionSpec;
import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.NormOps;
import dev.tailor.autograd.RopeOps;
import dev.tailor.autograd.RopeOps.RopeTable;
import dev.tailor.models.KvCache;
import dev.tailor.nn.LinearLayer;
import dev.tailor.tensor.Tensor;

/**
 * Grouped-query self-attention of the Llama family ({@code self_attn}): q/k/v/o projections,
 * optional per-head q/k RMSNorm (Qwen3), RoPE, causal softmax attention with an optional sliding
 * window. Field names mirror the checkpoint keys.
 */
final class LlamaAttention {

    LinearLayer qProj;   // q_proj: (H*D, C)
    LinearLayer kProj;   // k_proj: (KVH*D, C)
    LinearLayer vProj;   // v_proj: (KVH*D, C)
    LinearLayer oProj;   // o_proj: (C, H*D)
    final Tensor qNorm;  // q_norm: (D) or null (Qwen3 only)
    final Tensor kNorm;  // k_norm: (D) or null
    private final int heads, kvHeads, headDim, window;
    private final float normEps;

    LlamaAttention(LinearLayer qProj, LinearLayer kProj, LinearLayer vProj, LinearLayer oProj, Tensor qNorm, Tensor kNorm,
                   int heads, int kvHeads, int headDim, int window, float normEps) {
        this.qProj = qProj; this.kProj = kProj; this.vProj = vProj; this.oProj = oProj;
        this.qNorm = qNorm; this.kNorm = kNorm;
        this.heads = heads; this.kvHeads = kvHeads; this.headDim = headDim; this.window = window; this.normEps = normEps;
    }

    /**
     * @param x         (B, T, C) normalised hidden states
     * @param positions (B*T) RoPE positions
     * @param padding   (B*T) padded keys, or null
     * @param prefixK   (P, KVH*D) keys every query sees, used as given (no RoPE, no norm), or null
     * @param prefixV   (P, KVH*D) their values, or null
     * @param cache     this layer's KV cache (the new keys and values are appended, all are attended), or null
     * @return (B, T, C)
     */
    Tensor forward(Tensor x, RopeTable rope, int[] positions, boolean[] padding, Tensor prefixK, Tensor prefixV, KvCache.Layer cache) {
        int b = x.dim(0), t = x.dim(1);
        Tensor q = qProj.forward(x);                    // (B, T, H*D)
        Tensor k = kProj.forward(x);                    // (B, T, KVH*D)
        Tensor v = vProj.forward(x);                    // (B, T, KVH*D)
        if (qNorm != null) {
            q = BasicOps.reshape(NormOps.rmsNorm(BasicOps.reshape(q, b, t, heads, headDim), qNorm, normEps), b, t, heads * headDim);
            k = BasicOps.reshape(NormOps.rmsNorm(BasicOps.reshape(k, b, t, kvHeads, headDim), kNorm, normEps), b, t, kvHeads * headDim);
        }
        q = RopeOps.rope(q, rope, positions, heads, headDim);
        k = RopeOps.rope(k, rope, positions, kvHeads, headDim);
        KvCache.Entry kv = cache == null ? new KvCache.Entry(k, v, padding, 0) : cache.append(k, v); // keys (B, S, KVH*D)
        var spec = new AttentionSpec(heads, kvHeads, headDim, (float) (1.0 / Math.sqrt(headDim)), true, window, kv.offset());
        Tensor y = AttentionOps.attention(q, kv.keys(), kv.values(), prefixK, prefixV, kv.padding(), spec); // (B, T, H*D)
        return oProj.forward(y);
    }
}
