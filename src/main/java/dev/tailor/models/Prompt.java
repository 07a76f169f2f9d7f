package dev.tailor.models;

import dev.tailor.tensor.Tensor;

import java.util.List;

/**
 * What a prompt-learning method adds to one forward pass of a {@link CausalLM}: virtual tokens
 * prepended to every row's token embeddings (prompt tuning), or a key and a value prefix for every
 * attention layer (prefix tuning, P-tuning v2), always visible to every query and shared over the
 * batch. Either way the real tokens sit after the P virtual positions, as in PEFT, where they take
 * positions P.. (transformers counts the prefix as cached tokens); the logits cover the real tokens only.
 *
 * @param embeddings (P, C) virtual token embeddings, or null
 * @param keys       one (P, KVH*D) key prefix per layer (used as given: no RoPE, no norm), or empty
 * @param values     one (P, KVH*D) value prefix per layer, or empty
 */
public record Prompt(Tensor embeddings, List<Tensor> keys, List<Tensor> values) {

    /** Nothing added: the base model's forward. */
    public static final Prompt NONE = new Prompt(null, List.of(), List.of());

    /** The prompt a model's source supplies now ({@link #NONE} without one), checked against its config. */
    public static Prompt current(java.util.function.Supplier<Prompt> source, ModelConfig config) {
        Prompt p = source == null ? NONE : source.get();
        p.check(config);
        return p;
    }

    public Prompt {
        keys = List.copyOf(keys);
        values = List.copyOf(values);
        if (keys.size() != values.size()) throw new IllegalArgumentException("prompt: " + keys.size() + " key prefixes but " + values.size() + " value prefixes");
        if (embeddings != null && !keys.isEmpty()) throw new IllegalArgumentException("prompt: virtual tokens or attention prefixes, not both");
        if (embeddings != null && embeddings.rank() != 2) throw new IllegalArgumentException("prompt: expected virtual token embeddings (P, C), got " + embeddings.shape());
    }

    public static Prompt virtualTokens(Tensor embeddings /* (P, C) */) { return new Prompt(embeddings, List.of(), List.of()); }

    public static Prompt prefixes(List<Tensor> keys, List<Tensor> values) { return new Prompt(null, keys, values); }

    /** P: the virtual positions before the real tokens. */
    public int length() {
        if (embeddings != null) return embeddings.dim(0);
        return keys.isEmpty() ? 0 : keys.getFirst().dim(0);
    }

    /** Whether the virtual tokens run through the model as extra sequence positions (prompt tuning). */
    public boolean prepends() { return embeddings != null; }

    /** Layer {@code l}'s key prefix (P, KVH*D), or null. */
    public Tensor key(int l) { return keys.isEmpty() ? null : keys.get(l); }

    /** Layer {@code l}'s value prefix (P, KVH*D), or null. */
    public Tensor value(int l) { return values.isEmpty() ? null : values.get(l); }

    /** Checks that there is one prefix pair per layer of {@code config}, each (P, KVH*D). */
    public void check(ModelConfig config) {
        if (keys.isEmpty()) return;
        int layers = config.numLayers(), width = config.numKvHeads() * config.headDim(), p = length();
        if (keys.size() != layers) throw new IllegalArgumentException("prompt: " + keys.size() + " prefix layers for a model of " + layers + " layers");
        for (int l = 0; l < layers; l++) {
            for (Tensor t : List.of(keys.get(l), values.get(l))) {
                if (t.rank() != 2 || t.dim(0) != p || t.dim(1) != width) {
                    throw new IllegalArgumentException("prompt: layer " + l + " expected prefixes of shape (" + p + ", " + width + "), got " + t.shape());
                }
            }
        }
    }

    /**
     * The positions the model runs at: with virtual tokens (B*(P+T)), 0..P-1 then the real tokens'
     * positions plus P; with prefixes (B*T), the real tokens' positions plus P.
     */
    public int[] positions(Inputs in) {
        int[] pos = in.positionsOrDefault(); // (B*T)
        int p = length();
        if (p == 0) return pos;
        int b = in.batch(), t = in.seq(), w = prepends() ? p + t : t;
        int[] out = new int[b * w];
        for (int r = 0; r < b; r++) {
            int v = prepends() ? p : 0;
            for (int i = 0; i < v; i++) out[r * w + i] = i;
            for (int i = 0; i < t; i++) out[r * w + v + i] = pos[r * t + i] + p;
        }
        return out;
    }

    /** The key padding the model runs with: virtual tokens are never padding. (B*(P+T)), (B*T) or null. */
    public boolean[] padding(Inputs in) {
        boolean[] pad = in.padding();
        if (!prepends() || pad == null) return pad;
        int b = in.batch(), t = in.seq(), p = length(), w = p + t;
        boolean[] out = new boolean[b * w];
        for (int r = 0; r < b; r++) System.arraycopy(pad, r * t, out, r * w + p, t);
        return out;
    }
}
