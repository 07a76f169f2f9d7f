package dev.tailor.models.llama;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.EmbeddingOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.autograd.NormOps;
import dev.tailor.autograd.Recompute;
import dev.tailor.autograd.Tape;
import dev.tailor.autograd.RopeOps.RopeTable;
import dev.tailor.models.CausalLM;
import dev.tailor.models.HeadLoss;
import dev.tailor.models.Inputs;
import dev.tailor.models.KvCache;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.Prompt;
import dev.tailor.models.WeightReader;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.nn.TensorSlot;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The Llama family: Llama 2/3, SmolLM, TinyLlama, Mistral (sliding window), Qwen2 (q/k/v biases),
 * Qwen3 (per-head q/k norms, explicit head_dim). Differences are config flags, not subclasses.
 */
public final class LlamaModel implements CausalLM {

    private final ModelConfig config;
    private Tensor embedTokens;              // model.embed_tokens.weight: (V, C)
    private final List<LlamaBlock> layers;   // model.layers
    private final Tensor norm;               // model.norm.weight: (C)
    private LinearLayer lmHead;              // lm_head: (V, C), or the embedding when tied
    private final RopeTable rope;
    private final Map<String, Tensor> parameters;
    private Supplier<Prompt> prompt;         // virtual tokens or attention prefixes, or null
    private boolean checkpointing;           // recompute each block's forward in backward

    private LlamaModel(ModelConfig config, Tensor embedTokens, List<LlamaBlock> layers, Tensor norm, LinearLayer lmHead,
                       Map<String, Tensor> parameters) {
        this.config = config;
        this.embedTokens = embedTokens;
        this.layers = layers;
        this.norm = norm;
        this.lmHead = lmHead;
        this.parameters = parameters;
        this.rope = RopeTable.build(config.ropeScaling(), config.ropeTheta(), config.headDim(),
                config.maxPositionEmbeddings(), config.maxPositionEmbeddings());
    }

    /** Builds the model from a checkpoint's tensors, checking every key and shape. */
    public static LlamaModel load(ModelConfig c, WeightReader w) {
        int C = c.hiddenSize(), I = c.intermediateSize(), D = c.headDim(), H = c.numHeads(), KVH = c.numKvHeads(), V = c.vocabSize();
        Tensor embed = w.take("model.embed_tokens.weight", V, C);
        List<LlamaBlock> layers = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            boolean qkvBias = c.attentionBias(), oBias = c.attentionOutputBias(), mlpBias = c.mlpBias();
            LlamaAttention attn = new LlamaAttention(
                    linear(w, p + "self_attn.q_proj", H * D, C, qkvBias),
                    linear(w, p + "self_attn.k_proj", KVH * D, C, qkvBias),
                    linear(w, p + "self_attn.v_proj", KVH * D, C, qkvBias),
                    linear(w, p + "self_attn.o_proj", C, H * D, oBias),
                    w.takeIf(c.qkNorm(), p + "self_attn.q_norm.weight", D),
                    w.takeIf(c.qkNorm(), p + "self_attn.k_norm.weight", D),
                    H, KVH, D, c.layerWindows()[i], (float) c.normEps());
            LlamaMlp mlp = new LlamaMlp(
                    linear(w, p + "mlp.gate_proj", I, C, mlpBias),
                    linear(w, p + "mlp.up_proj", I, C, mlpBias),
                    linear(w, p + "mlp.down_proj", C, I, mlpBias));
            layers.add(new LlamaBlock(w.take(p + "input_layernorm.weight", C), attn,
                    w.take(p + "post_attention_layernorm.weight", C), mlp, (float) c.normEps()));
        }
        Tensor norm = w.take("model.norm.weight", C);
        LinearLayer head;
        if (c.tieWordEmbeddings()) {
            head = new Linear(embed, null, WeightLayout.OUT_IN);
            w.ignore(k -> k.equals("lm_head.weight")); // some tied checkpoints still carry a copy
        } else {
            head = linear(w, "lm_head", V, C, false);
        }
        w.ignore(k -> k.endsWith(".rotary_emb.inv_freq")); // a buffer older checkpoints saved
        w.finish();
        return new LlamaModel(c, embed, layers, norm, head, java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(w.loaded())));
    }

    private static Linear linear(WeightReader w, String path, int out, int in, boolean bias) {
        return new Linear(w.take(path + ".weight", out, in), w.takeIf(bias, path + ".bias", out), WeightLayout.OUT_IN);
    }

    @Override public ModelConfig config() { return config; }

    @Override public Tensor forward(Inputs in) { return forward(in, null); }

    @Override public Tensor forward(Inputs in, KvCache cache) {
        Prompt p = Prompt.current(prompt, config);
        if (cache != null && p.prepends()) return CausalLM.super.forward(in, cache); // virtual tokens are not cached: recompute
        return lmHead.forward(hidden(in, p, cache)); // (B, T, V), or (B, 1, V) with a cache
    }

    /** The head fused with the cross-entropy: no (B, T, V) logits (see {@link HeadLoss}). */
    @Override public Tensor loss(Inputs in, int[] labels, boolean shift) {
        Prompt p = Prompt.current(prompt, config);
        return HeadLoss.of(hidden(in, p, null), lmHead, labels, shift);
    }

    /** The final normalised hidden states of the real tokens: (B, T, C), or (B, 1, C) with a cache. */
    private Tensor hidden(Inputs in, Prompt p, KvCache cache) {
        int[] positions = p.positions(in);
        boolean[] padding = p.padding(in);
        if (cache != null) cache.extend(in);
        Tensor x = EmbeddingOps.embedding(embedTokens, in.ids(), in.batch(), in.seq()); // (B, T, C)
        if (p.prepends()) x = BasicOps.concatSeq(p.embeddings(), x);                    // (B, P+T, C)
        for (int i = 0; i < layers.size(); i++) {
            LlamaBlock layer = layers.get(i);
            KvCache.Layer layerCache = cache == null ? null : cache.layer(i);
            Tensor prefixKey = p.key(i), prefixValue = p.value(i); // (B, Hkv, P, D) each, or null
            // Activation checkpointing keeps only each block's input; backward recomputes the block.
            // The prefixes are captured, so the recomputed backward adds into their gradients too.
            // Without gradients (evaluation) a block's intermediates die with it as well: run as a
            // segment, they are lent by a workspace and reused by the next block.
            x = (checkpointing || !Tape.enabled()) && cache == null
                    ? Recompute.checkpoint("block", x, h -> layer.forward(h, rope, positions, padding, prefixKey, prefixValue, null))
                    : layer.forward(x, rope, positions, padding, prefixKey, prefixValue, layerCache);
        }
        if (p.prepends()) x = BasicOps.sliceSeq(x, p.length(), x.dim(1)); // (B, T, C): the real tokens only
        if (cache != null) x = BasicOps.sliceSeq(x, in.seq() - 1, in.seq()); // (B, 1, C): the next token's logits only
        return NormOps.rmsNorm(x, norm, (float) config.normEps());
    }

    @Override public Map<String, Tensor> parameters() { return parameters; }

    @Override public void setPrompt(Supplier<Prompt> source) { this.prompt = source; }

    @Override public Supplier<Prompt> prompt() { return prompt; }

    @Override public void checkpointing(boolean on) { checkpointing = on; }

    @Override public TensorSlot tokenEmbedding() {
        return new TensorSlot("model.embed_tokens", () -> embedTokens, t -> embedTokens = t);
    }

    @Override public List<LinearSlot> linears() {
        List<LinearSlot> slots = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String p = "model.layers." + i + ".";
            LlamaAttention a = layers.get(i).selfAttn;
            LlamaMlp m = layers.get(i).mlp;
            slots.add(new LinearSlot(p + "self_attn.q_proj", () -> a.qProj, l -> a.qProj = l));
            slots.add(new LinearSlot(p + "self_attn.k_proj", () -> a.kProj, l -> a.kProj = l));
            slots.add(new LinearSlot(p + "self_attn.v_proj", () -> a.vProj, l -> a.vProj = l));
            slots.add(new LinearSlot(p + "self_attn.o_proj", () -> a.oProj, l -> a.oProj = l));
            slots.add(new LinearSlot(p + "mlp.gate_proj", () -> m.gateProj, l -> m.gateProj = l));
            slots.add(new LinearSlot(p + "mlp.up_proj", () -> m.upProj, l -> m.upProj = l));
            slots.add(new LinearSlot(p + "mlp.down_proj", () -> m.downProj, l -> m.downProj = l));
        }
        slots.add(new LinearSlot("lm_head", () -> lmHead, l -> lmHead = l));
        return slots;
    }
}
