package dev.tailor.models;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** config.json of GPT-2: n_* key names, learned positions, LayerNorm, biases everywhere. */
final class Gpt2Config {

    private static final int GPT2_END_OF_TEXT = 50256; // GPT2Config's default bos and eos

    private Gpt2Config() {}

    static ModelConfig read(ConfigFields f) {
        int vocab = f.requirePositive("vocab_size");
        int hidden = f.requirePositive("n_embd");
        int layers = f.requirePositive("n_layer");
        int heads = f.requirePositive("n_head");
        int headDim = ModelConfig.headDim(f, hidden, heads, "n_embd", "n_head");
        int inner = f.intOr("n_inner", 4 * hidden);
        if (inner <= 0) throw f.error("n_inner", "is " + inner + ", expected a positive integer or null");
        int maxPos = f.intOr("n_positions", 1024);
        double eps = f.doubleOr("layer_norm_epsilon", 1e-5);
        String act = ModelConfig.activation(f, "activation_function", "gelu_new", ModelConfig.GPT2_ACTIVATIONS);
        // Attention variants GPT-2 checkpoints can switch on that change the arithmetic.
        if (f.boolOr("scale_attn_by_inverse_layer_idx", false)) throw f.error("scale_attn_by_inverse_layer_idx", "is true, which is not supported");
        if (!f.boolOr("scale_attn_weights", true)) throw f.error("scale_attn_weights", "is false, which is not supported");
        boolean tied = f.boolOr("tie_word_embeddings", true);
        return new ModelConfig("gpt2", vocab, hidden, inner, layers, heads, heads, headDim, maxPos, eps, 0, null,
                true, true, true, false, null, new int[layers], tied, act, ModelConfig.dtype(f),
                ModelConfig.bos(f, GPT2_END_OF_TEXT), ModelConfig.eos(f, GPT2_END_OF_TEXT));
    }

    static void write(ModelConfig c, ObjectNode out) {
        out.putArray("architectures").add("GPT2LMHeadModel");
        out.put("model_type", "gpt2");
        out.put("vocab_size", c.vocabSize());
        out.put("n_embd", c.hiddenSize());
        out.put("n_inner", c.intermediateSize());
        out.put("n_layer", c.numLayers());
        out.put("n_head", c.numHeads());
        out.put("n_positions", c.maxPositionEmbeddings());
        out.put("n_ctx", c.maxPositionEmbeddings());
        out.put("layer_norm_epsilon", c.normEps());
        out.put("activation_function", c.hiddenAct());
        out.put("tie_word_embeddings", c.tieWordEmbeddings());
    }
}
