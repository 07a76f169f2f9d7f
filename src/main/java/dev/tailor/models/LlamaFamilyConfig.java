package dev.tailor.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.tensor.DType;

import java.util.Arrays;
import java.util.Map;

/**
 * config.json of the Llama family (llama, mistral, qwen2, qwen3): same key names, different
 * defaults and bias rules, mirrored from each transformers config and attention class.
 */
final class LlamaFamilyConfig {

    /** Mistral's and Qwen's transformers default for an absent sliding_window. */
    private static final int DEFAULT_SLIDING_WINDOW = 4096;
    /** Qwen2/Qwen3 default max_window_layers. */
    private static final int DEFAULT_MAX_WINDOW_LAYERS = 28;
    private static final Map<String, Integer> DEFAULT_MAX_POSITIONS = Map.of("llama", 2048, "mistral", 131072, "qwen2", 32768, "qwen3", 32768);
    private static final Map<String, String> ARCHITECTURES =
            Map.of("llama", "LlamaForCausalLM", "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM", "qwen3", "Qwen3ForCausalLM");

    private LlamaFamilyConfig() {}

    static ModelConfig read(ConfigFields f, String type) {
        int vocab = f.requirePositive("vocab_size");
        int hidden = f.requirePositive("hidden_size");
        int intermediate = f.requirePositive("intermediate_size");
        int layers = f.requirePositive("num_hidden_layers");
        int heads = f.requirePositive("num_attention_heads");
        int kvHeads = f.intOr("num_key_value_heads", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0) {
            throw f.error("num_key_value_heads", "is " + kvHeads + ", expected a positive divisor of num_attention_heads " + heads);
        }
        // Qwen3's config class defaults head_dim to 128; the others derive it from the hidden size.
        Integer explicitHeadDim = f.intOrNull("head_dim");
        int headDim = explicitHeadDim != null ? explicitHeadDim
                : type.equals("qwen3") ? 128 : ModelConfig.headDim(f, hidden, heads, "hidden_size", "num_attention_heads");
        if (headDim <= 0) throw f.error("head_dim", "is " + headDim + ", expected a positive integer");
        int maxPos = f.intOr("max_position_embeddings", DEFAULT_MAX_POSITIONS.get(type));
        double eps = f.doubleOr("rms_norm_eps", 1e-6);
        RopeSettings rope = RopeSettings.parse(f);

        // Biases as the attention classes build them: llama and qwen3 put attention_bias on q, k, v
        // and o; qwen2 always has q/k/v biases and none on o; mistral has none.
        boolean attnBias = switch (type) {
            case "llama", "qwen3" -> f.boolOr("attention_bias", false);
            case "qwen2" -> true;
            default -> false;
        };
        boolean outBias = !type.equals("qwen2") && attnBias;
        boolean mlpBias = type.equals("llama") && f.boolOr("mlp_bias", false);

        Integer window = null;
        int[] windows = new int[layers];
        switch (type) {
            case "mistral" -> {
                window = slidingWindow(f);
                if (window != null) Arrays.fill(windows, window);
            }
            case "qwen2", "qwen3" -> {
                window = f.boolOr("use_sliding_window", false) ? slidingWindow(f) : null;
                windows = qwenLayerWindows(f, layers, window);
            }
            default -> { }
        }
        boolean tied = f.boolOr("tie_word_embeddings", false);
        String act = ModelConfig.activation(f, "hidden_act", "silu", ModelConfig.LLAMA_ACTIVATIONS);
        DType dtype = ModelConfig.dtype(f);
        boolean llamaIds = type.equals("llama") || type.equals("mistral"); // their config classes default bos 1, eos 2
        Integer bos = ModelConfig.bos(f, llamaIds ? 1 : null);
        int[] eos = ModelConfig.eos(f, llamaIds ? 2 : null);
        return new ModelConfig(type, vocab, hidden, intermediate, layers, heads, kvHeads, headDim, maxPos, eps,
                rope.theta(), rope.scaling(), attnBias, outBias, mlpBias, type.equals("qwen3"), window, windows,
                tied, act, dtype, bos, eos);
    }

    /** sliding_window: absent means the transformers default 4096; an explicit null means none. */
    private static Integer slidingWindow(ConfigFields f) {
        if (!f.has("sliding_window")) return DEFAULT_SLIDING_WINDOW;
        Integer w = f.intOrNull("sliding_window");
        if (w != null && w <= 0) throw f.error("sliding_window", "is " + w + ", expected a positive integer or null");
        return w;
    }

    /**
     * Qwen2/Qwen3: an explicit layer_types list wins; otherwise layers i >= max_window_layers slide
     * when a window is in force. A "sliding_attention" layer without a window attends fully, as in
     * transformers (the attention's sliding_window is then None).
     */
    private static int[] qwenLayerWindows(ConfigFields f, int layers, Integer window) {
        int[] windows = new int[layers];
        JsonNode types = f.node("layer_types");
        if (types == null) {
            int first = f.intOr("max_window_layers", DEFAULT_MAX_WINDOW_LAYERS);
            for (int i = 0; i < layers; i++) windows[i] = window != null && i >= first ? window : 0;
            return windows;
        }
        if (!types.isArray() || types.size() != layers) {
            throw f.error("layer_types", "is " + ConfigFields.describe(types) + ", expected a list of " + layers + " layer types (num_hidden_layers)");
        }
        for (int i = 0; i < layers; i++) {
            String t = types.get(i).asText();
            boolean sliding = t.equals("sliding_attention");
            if (!sliding && !t.equals("full_attention")) {
                throw f.error("layer_types", "[" + i + "] is " + types.get(i) + ", expected \"full_attention\" or \"sliding_attention\"");
            }
            windows[i] = sliding && window != null ? window : 0;
        }
        return windows;
    }

    static void write(ModelConfig c, ObjectNode out) {
        String type = c.modelType();
        out.putArray("architectures").add(ARCHITECTURES.get(type));
        out.put("model_type", type);
        out.put("vocab_size", c.vocabSize());
        out.put("hidden_size", c.hiddenSize());
        out.put("intermediate_size", c.intermediateSize());
        out.put("num_hidden_layers", c.numLayers());
        out.put("num_attention_heads", c.numHeads());
        out.put("num_key_value_heads", c.numKvHeads());
        out.put("head_dim", c.headDim());
        out.put("hidden_act", c.hiddenAct());
        out.put("max_position_embeddings", c.maxPositionEmbeddings());
        out.put("rms_norm_eps", c.normEps());
        new RopeSettings(c.ropeTheta(), c.ropeScaling()).write(out);
        if (type.equals("llama")) {
            out.put("attention_bias", c.attentionBias());
            out.put("mlp_bias", c.mlpBias());
        }
        if (type.equals("qwen3")) out.put("attention_bias", c.attentionBias());
        if (type.equals("mistral")) {
            if (c.slidingWindow() == null) out.putNull("sliding_window");
            else out.put("sliding_window", c.slidingWindow());
        }
        if (type.equals("qwen2") || type.equals("qwen3")) writeQwenWindows(c, out);
        out.put("tie_word_embeddings", c.tieWordEmbeddings());
    }

    /** Both the explicit layer_types (newer transformers) and max_window_layers (older ones). */
    private static void writeQwenWindows(ModelConfig c, ObjectNode out) {
        int[] w = c.layerWindows();
        out.put("use_sliding_window", c.slidingWindow() != null);
        if (c.slidingWindow() == null) out.putNull("sliding_window");
        else out.put("sliding_window", c.slidingWindow());
        int first = w.length;
        while (first > 0 && w[first - 1] != 0) first--;
        out.put("max_window_layers", first);
        ArrayNode types = out.putArray("layer_types");
        for (int x : w) types.add(x != 0 ? "sliding_attention" : "full_attention");
    }
}
