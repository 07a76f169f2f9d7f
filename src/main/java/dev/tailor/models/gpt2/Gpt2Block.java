package dev.tailor.models.gpt2;

import dev.tailor.autograd.ActOps;
import dev.tailor.autograd.AttentionOps;
import dev.tailor.autograd.AttentionOps.AttentionSpec;
import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.NormOps;
import dev.tailor.models.KvCache;
import dev.tailor.nn.LinearLayer;
import dev.tailor.tensor.Tensor;

/**
 * One GPT-2 block ({@code transformer.h.N}): LayerNorm, fused-qkv attention with Conv1D weights,
 * LayerNorm, GELU (tanh) MLP; both residual.
 */
final class Gpt2Block {

    final Tensor ln1Weight, ln1Bias;  // ln_1.weight, ln_1.bias: (C)
    LinearLayer cAttn;                // attn.c_attn: (C, 3C) Conv1D
    LinearLayer attnCProj;            // attn.c_proj: (C, C)
    final Tensor ln2Weight, ln2Bias;  // ln_2: (C)
    LinearLayer cFc;                  // mlp.c_fc: (C, 4C)
    LinearLayer mlpCProj;             // mlp.c_proj: (4C, C)
    private final int heads, headDim;
    private final float eps;

    Gpt2Block(Tensor ln1Weight, Tensor ln1Bias, LinearLayer cAttn, LinearLayer attnCProj,
              Tensor ln2Weight, Tensor ln2Bias, LinearLayer cFc, LinearLayer mlpCProj, int heads, int headDim, float eps) {
        this.ln1Weight = ln1Weight; this.ln1Bias = ln1Bias; this.cAttn = cAttn; this.attnCProj = attnCProj;
        this.ln2Weight = ln2Weight; this.ln2Bias = ln2Bias; this.cFc = cFc; this.mlpCProj = mlpCProj;
        this.heads = heads; this.headDim = headDim; this.eps = eps;
    }

    /**
     * (B, T, C) -> (B, T, C); {@code prefixK}/{@code prefixV} (P, C) are keys every query sees
     * (prefix tuning), or null; {@code cache} is this layer's part of the KV cache, or null.
     */
    Tensor forward(Tensor x, boolean[] padding, Tensor prefixK, Tensor prefixV, KvCache.Layer cache) {
        int c = heads * headDim;
        Tensor qkv = cAttn.forward(NormOps.layerNorm(x, ln1Weight, ln1Bias, eps));   // (B, T, 3C)
        Tensor q = BasicOps.sliceLast(qkv, 0, c), k = BasicOps.sliceLast(qkv, c, 2 * c), v = BasicOps.sliceLast(qkv, 2 * c, 3 * c);
        KvCache.Entry kv = cache == null ? new KvCache.Entry(k, v, padding, 0) : cache.append(k, v); // keys (B, S, C)
        var spec = new AttentionSpec(heads, heads, headDim, (float) (1.0 / Math.sqrt(headDim)), true, 0, kv.offset());
        Tensor h = BasicOps.add(x, attnCProj.forward(AttentionOps.attention(q, kv.keys(), kv.values(), prefixK, prefixV, kv.padding(), spec)));
        Tensor m = mlpCProj.forward(ActOps.gelu(cFc.forward(NormOps.layerNorm(h, ln2Weight, ln2Bias, eps)))); // gelu: (B, T, 4C)
        return BasicOps.add(h, m);
    }
}
