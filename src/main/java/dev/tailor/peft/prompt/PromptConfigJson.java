package dev.tailor.peft.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;
import dev.tailor.models.ModelConfig;
import dev.tailor.peft.PeftConfig;
import dev.tailor.peft.PrefixTuningConfig;
import dev.tailor.peft.PromptTuningConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * adapter_config.json of the prompt-learning methods, with PEFT's field names. Written in
 * inference mode, as PEFT saves; the model-derived fields (token_dim, num_layers, heads) are
 * written for PEFT and checked against the model when read back.
 */
public final class PromptConfigJson {

    private static final JsonMapper JSON = new JsonMapper();

    private PromptConfigJson() {}

    /** Writes {@code config} for {@code model} to {@code file} atomically. */
    static void write(Path file, PeftConfig config, ModelConfig model) {
        ObjectNode o = JSON.createObjectNode();
        o.put("peft_type", config.peftType());
        o.put("task_type", "CAUSAL_LM");
        o.putNull("base_model_name_or_path");
        o.putNull("revision");
        o.put("inference_mode", true);
        o.put("num_transformer_submodules", 1);
        o.put("num_layers", model.numLayers());
        switch (config) {
            case PromptTuningConfig c -> {
                o.put("num_virtual_tokens", c.numVirtualTokens());
                o.put("token_dim", model.hiddenSize());
                o.put("num_attention_heads", model.numHeads());
                o.put("prompt_tuning_init", c.init() == PromptTuningConfig.Init.CLASS_LABELS ? "SAMPLE_VOCAB" : c.init().name());
                o.put("prompt_tuning_init_text", c.initText());
                o.put("tokenizer_name_or_path", c.tokenizerNameOrPath());
                o.putNull("tokenizer_kwargs");
            }
            case PrefixTuningConfig c -> {
                int width = model.numKvHeads() * model.headDim();
                o.put("num_virtual_tokens", c.numVirtualTokens());
                o.put("token_dim", width); // PEFT's grouped-query rule: hidden_size / heads * kv_heads
                o.put("num_attention_heads", model.numKvHeads());
                o.put("encoder_hidden_size", c.hiddenFor(width));
                o.put("prefix_projection", c.prefixProjection());
            }
            default -> throw new IllegalArgumentException("not a prompt-learning config: " + config.peftType());
        }
        try {
            AtomicFile.writeString(file, JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads a PROMPT_TUNING or PREFIX_TUNING config ({@code type}) from its parsed JSON. */
    public static PeftConfig parse(Path file, JsonNode root, String type) {
        int l = positiveInt(file, root, "num_virtual_tokens");
        if (root.hasNonNull("num_transformer_submodules") && root.get("num_transformer_submodules").asInt() != 1) {
            throw new IllegalArgumentException(file + ": num_transformer_submodules is " + root.get("num_transformer_submodules") + "; a decoder-only model has 1");
        }
        return switch (type) {
            case "PROMPT_TUNING" -> {
                String init = text(root, "prompt_tuning_init", "RANDOM");
                PromptTuningConfig.Init i;
                try {
                    i = PromptTuningConfig.Init.valueOf(init);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": prompt_tuning_init must be RANDOM, SAMPLE_VOCAB or TEXT, got '" + init + "'");
                }
                // The saved embeddings replace any init, so TEXT reads back without its token ids.
                yield new PromptTuningConfig(l, i == PromptTuningConfig.Init.TEXT ? PromptTuningConfig.Init.RANDOM : i,
                        text(root, "prompt_tuning_init_text", null), text(root, "tokenizer_name_or_path", null), List.of());
            }
            case "PREFIX_TUNING" -> new PrefixTuningConfig(l, root.path("prefix_projection").asBoolean(false),
                    root.hasNonNull("encoder_hidden_size") ? root.get("encoder_hidden_size").asInt() : 0);
            default -> throw new IllegalArgumentException(file + ": peft_type " + type + " is not a prompt-learning method");
        };
    }

    /** Checks the model-derived fields of {@code file} against the model it is loaded onto. */
    static void checkAgainst(Path file, JsonNode root, PeftConfig config, ModelConfig model) {
        int dim = config instanceof PrefixTuningConfig ? model.numKvHeads() * model.headDim() : model.hiddenSize();
        expect(file, root, "token_dim", dim);
        expect(file, root, "num_layers", model.numLayers());
    }

    private static void expect(Path file, JsonNode root, String key, int expected) {
        JsonNode n = root.get(key);
        if (n != null && !n.isNull() && n.asInt() != expected) {
            throw new IllegalArgumentException(file + ": " + key + " is " + n.asInt() + " but the model needs " + expected);
        }
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static int positiveInt(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (n == null || !n.canConvertToInt() || n.asInt() <= 0) throw new IllegalArgumentException(file + ": expected a positive integer " + key + ", got " + n);
        return n.asInt();
    }

    private static String text(JsonNode root, String key, String dflt) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? dflt : n.asText();
    }
}
