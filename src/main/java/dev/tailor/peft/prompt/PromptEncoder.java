package dev.tailor.peft.prompt;

import dev.tailor.autograd.ActOps;
import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.Tape;
import dev.tailor.models.Prompt;
import dev.tailor.nn.Linear;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable tensors of one prompt-learning adapter and how they become the model's
 * {@link Prompt}. Keys are PEFT's: {@code prompt_embeddings} is what PEFT saves; the projection's
 * tensors carry PEFT's training-time module names and are never saved.
 */
sealed interface PromptEncoder {

    /** The key of the saved tensor in adapter_model.safetensors. */
    String SAVED_KEY = "prompt_embeddings";

    /** This forward pass's prompt, computed from the trainable tensors on the tape. */
    Prompt prompt();

    /** The trainable tensors by key. */
    Map<String, Tensor> trainable();

    /** What is saved as {@code prompt_embeddings}: (l, C) virtual tokens, or (l, layers·2·W) prefixes. */
    Tensor saved();

    /** Prompt tuning: (l, C) virtual token embeddings. */
    record VirtualTokens(Tensor embeddings) implements PromptEncoder {
        @Override public Prompt prompt() { return Prompt.virtualTokens(embeddings); }
        @Override public Map<String, Tensor> trainable() { return Map.of(SAVED_KEY, embeddings); }
        @Override public Tensor saved() { return embeddings; }
    }

    /** P-tuning v2 (and any loaded prefix): the (l, layers·2·W) prefixes train directly. */
    record Prefixes(Tensor table, int layers, int width) implements PromptEncoder {
        @Override public Prompt prompt() { return split(table, layers, width); }
        @Override public Map<String, Tensor> trainable() { return Map.of(SAVED_KEY, table); }
        @Override public Tensor saved() { return table; }
    }

    /**
     * Prefix tuning with reparameterisation: table = transform.2(tanh(transform.0(embedding))).
     *
     * @param embedding (l, W)
     * @param in        transform.0: Linear(W, h)
     * @param out       transform.2: Linear(h, layers·2·W)
     */
    record ProjectedPrefixes(Tensor embedding, Linear in, Linear out, int layers, int width) implements PromptEncoder {
        static final String PREFIX = "prompt_encoder.default.";

        @Override public Prompt prompt() { return split(table(), layers, width); }

        private Tensor table() { return out.forward(ActOps.tanh(in.forward(embedding))); } // (l, layers·2·W)

        @Override public Map<String, Tensor> trainable() {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put(PREFIX + "embedding.weight", embedding);
            m.put(PREFIX + "transform.0.weight", in.weight());
            m.put(PREFIX + "transform.0.bias", in.bias());
            m.put(PREFIX + "transform.2.weight", out.weight());
            m.put(PREFIX + "transform.2.bias", out.bias());
            return m;
        }

        @Override public Tensor saved() {
            try (var g = Tape.noGrad()) { return table(); }
        }
    }

    /**
     * Layer i's keys are columns [2i·W, (2i+1)·W) and its values the next W, as PEFT views the table
     * (l, layers·2, KVH, D) and splits it into (key, value) pairs per layer.
     */
    private static Prompt split(Tensor table /* (l, layers·2·W) */, int layers, int width) {
        List<Tensor> keys = new ArrayList<>(layers), values = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            keys.add(BasicOps.sliceLast(table, 2 * i * width, (2 * i + 1) * width));       // (l, W)
            values.add(BasicOps.sliceLast(table, (2 * i + 1) * width, (2 * i + 2) * width)); // (l, W)
        }
        return Prompt.prefixes(keys, values);
    }
}
