package dev.tailor.models.gpt2;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.EmbeddingOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.autograd.NormOps;
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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * GPT-2: learned positions, LayerNorm, Conv1D weights stored (in, out), GELU (tanh), head tied to
 * the token embedding. Reads both key layouts (with and without the {@code transformer.} prefix);
 * canonical keys carry the prefix, as transformers names them.
 */
public final class Gpt2Model implements CausalLM {

    static final String PREFIX = "transformer.";

    private final ModelConfig config;
    private Tensor wte;                     // transformer.wte.weight: (V, C)
    private final Tensor wpe;               // transformer.wpe.weight: (P, C)
    private final List<Gpt2Block> h;        // transformer.h
    private final Tensor lnFWeight, lnFBias; // transformer.ln_f: (C)
    private LinearLayer lmHead;             // tied to wte: (V, C)
    private final Map<String, Tensor> parameters;
    private Supplier<Prompt> prompt;         // virtual tokens or attention prefixes, or null

    private Gpt2Model(ModelConfig config, Tensor wte, Tensor wpe, List<Gpt2Block> h, Tensor lnFWeight, Tensor lnFBias,
                      Map<String, Tensor> parameters) {
        this.config = config; this.wte = wte; this.wpe = wpe; this.h = h;
        this.lnFWeight = lnFWeight; this.lnFBias = lnFBias;
        this.lmHead = new Linear(wte, null, WeightLayout.OUT_IN);
        this.parameters = parameters;
    }

    public static Gpt2Model load(ModelConfig c, WeightReader w) {
        int C = c.hiddenSize(), I = c.intermediateSize(), V = c.vocabSize(), P = c.maxPositionEmbeddings();
        Tensor wte = w.take(PREFIX + "wte.weight", V, C);
        Tensor wpe = w.take(PREFIX + "wpe.weight", P, C);
        List<Gpt2Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            String p = PREFIX + "h." + i + ".";
            blocks.add(new Gpt2Block(
                    w.take(p + "ln_1.weight", C), w.take(p + "ln_1.bias", C),
                    conv1d(w, p + "attn.c_attn", C, 3 * C), conv1d(w, p + "attn.c_proj", C, C),
                    w.take(p + "ln_2.weight", C), w.take(p + "ln_2.bias", C),
                    conv1d(w, p + "mlp.c_fc", C, I), conv1d(w, p + "mlp.c_proj", I, C),
                    c.numHeads(), c.headDim(), (float) c.normEps()));
        }
        Tensor lnW = w.take(PREFIX + "ln_f.weight", C), lnB = w.take(PREFIX + "ln_f.bias", C);
        // The causal-mask buffers of older files and a saved copy of the tied head are not weights.
        w.ignore(k -> k.endsWith(".attn.bias") || k.endsWith(".attn.masked_bias") || k.equals("lm_head.weight"));
        w.finish();
        return new Gpt2Model(c, wte, wpe, blocks, lnW, lnB, Collections.unmodifiableMap(new LinkedHashMap<>(w.loaded())));
    }

    private static Linear conv1d(WeightReader w, String path, int in, int out) {
        return new Linear(w.take(path + ".weight", in, out), w.take(path + ".bias", out), WeightLayout.IN_OUT);
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
        for (int i = 0; i < positions.length; i++) {
            if (positions[i] >= config.maxPositionEmbeddings()) {
                throw new IllegalArgumentException("position " + positions[i] + " at index " + i + " is beyond GPT-2's n_positions = " + config.maxPositionEmbeddings());
            }
        }
        Tensor x = EmbeddingOps.embedding(wte, in.ids(), in.batch(), in.seq());    // (B, T, C)
        if (p.prepends()) x = BasicOps.concatSeq(p.embeddings(), x);               // (B, P+T, C): positions are added to virtual tokens too
        x = BasicOps.add(x, EmbeddingOps.embedding(wpe, positions, in.batch(), x.dim(1)));
        boolean[] padding = p.padding(in);
        if (cache != null) cache.extend(in);
        for (int i = 0; i < h.size(); i++) x = h.get(i).forward(x, padding, p.key(i), p.value(i), cache == null ? null : cache.layer(i));
        if (p.prepends()) x = BasicOps.sliceSeq(x, p.length(), x.dim(1));          // (B, T, C): the real tokens only
        if (cache != null) x = BasicOps.sliceSeq(x, in.seq() - 1, in.seq()); // (B, 1, C): the next token's logits only
        return NormOps.layerNorm(x, lnFWeight, lnFBias, (float) config.normEps());
    }

    @Override public Map<String, Tensor> parameters() { return parameters; }

    @Override public void setPrompt(Supplier<Prompt> source) { this.prompt = source; }

    @Override public Supplier<Prompt> prompt() { return prompt; }

    @Override public TensorSlot tokenEmbedding() {
        return new TensorSlot(PREFIX + "wte", () -> wte, t -> wte = t);
    }

    @Override public List<LinearSlot> linears() {
        List<LinearSlot> slots = new ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            String p = PREFIX + "h." + i + ".";
            Gpt2Block b = h.get(i);
            slots.add(new LinearSlot(p + "attn.c_attn", () -> b.cAttn, l -> b.cAttn = l));
            slots.add(new LinearSlot(p + "attn.c_proj", () -> b.attnCProj, l -> b.attnCProj = l));
            slots.add(new LinearSlot(p + "mlp.c_fc", () -> b.cFc, l -> b.cFc = l));
            slots.add(new LinearSlot(p + "mlp.c_proj", () -> b.mlpCProj, l -> b.mlpCProj = l));
        }
        slots.add(new LinearSlot("lm_head", () -> lmHead, l -> lmHead = l));
        return slots;
    }
}
