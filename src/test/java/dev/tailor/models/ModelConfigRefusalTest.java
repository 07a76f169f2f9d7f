package dev.tailor.models;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tailor.models.ModelConfigTest.LLAMA;
import static dev.tailor.models.ModelConfigTest.QWEN;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every refusal of the config reader names the file and the key. */
class ModelConfigRefusalTest {

    @TempDir Path dir;

    static final String GPT2 = "{\"model_type\": \"gpt2\", \"vocab_size\": 50, \"n_embd\": 32, \"n_layer\": 1, \"n_head\": 2";

    static Stream<Arguments> cases() {
        return Stream.of(
                arguments("unknown model type", "{\"model_type\": \"bert\"}", new String[] {"key 'model_type' is 'bert'", "[llama, mistral, qwen2, qwen3, gpt2]"}),
                arguments("missing model type", "{\"hidden_size\": 4}", new String[] {"key 'model_type' is missing", "[llama, mistral, qwen2, qwen3, gpt2]"}),
                arguments("not JSON", "{\"model_type\": ", new String[] {"not valid JSON"}),
                arguments("not an object", "[1]", new String[] {"expected a JSON object"}),
                arguments("duplicate key", LLAMA + ", \"vocab_size\": 3}", new String[] {"not valid JSON", "vocab_size"}),
                arguments("unknown rope type", LLAMA + ", \"rope_scaling\": {\"type\": \"longrope\", \"factor\": 2}}",
                        new String[] {"key 'rope_scaling.type' is 'longrope'", RopeScaling.SUPPORTED.toString()}),
                arguments("unknown rope type, new layout", LLAMA + ", \"rope_parameters\": {\"rope_type\": \"su\", \"rope_theta\": 1.0}}",
                        new String[] {"key 'rope_parameters.rope_type' is 'su'", RopeScaling.SUPPORTED.toString()}),
                arguments("llama3 rope without low_freq_factor", LLAMA + ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8, "
                        + "\"high_freq_factor\": 4, \"original_max_position_embeddings\": 64}}", new String[] {"key 'rope_scaling.low_freq_factor' is missing"}),
                arguments("linear rope without factor", LLAMA + ", \"rope_scaling\": {\"type\": \"linear\"}}", new String[] {"key 'rope_scaling.factor' is missing"}),
                arguments("rope_scaling not an object", LLAMA + ", \"rope_scaling\": 2}", new String[] {"key 'rope_scaling' is 2 (number), expected an object"}),
                arguments("per-layer rope parameters", LLAMA + ", \"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"}}}",
                        new String[] {"key 'rope_parameters' has no rope_type or rope_theta"}),
                arguments("llama activation", LLAMA + ", \"hidden_act\": \"gelu\"}", new String[] {"key 'hidden_act' is 'gelu'", "[silu]"}),
                arguments("gpt2 activation", GPT2 + ", \"activation_function\": \"relu\"}",
                        new String[] {"key 'activation_function' is 'relu'", "[gelu_new, gelu_pytorch_tanh]"}),
                arguments("integer as string", LLAMA.replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"") + "}",
                        new String[] {"key 'hidden_size' is \"64\" (string), expected an integer"}),
                arguments("fractional integer", LLAMA.replace("\"hidden_size\": 64", "\"hidden_size\": 64.5") + "}", new String[] {"key 'hidden_size' is 64.5"}),
                arguments("missing vocab", LLAMA.replace("\"vocab_size\": 256,", "") + "}", new String[] {"key 'vocab_size' is missing"}),
                arguments("zero layers", LLAMA.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0") + "}",
                        new String[] {"key 'num_hidden_layers' is 0, expected a positive integer"}),
                arguments("kv heads not a divisor", LLAMA.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3") + "}",
                        new String[] {"key 'num_key_value_heads' is 3, expected a positive divisor of num_attention_heads 4"}),
                arguments("hidden not divisible", LLAMA.replace("\"hidden_size\": 64", "\"hidden_size\": 66") + "}",
                        new String[] {"key 'hidden_size' is 66, not divisible by num_attention_heads 4"}),
                arguments("gpt2 n_embd not divisible", GPT2.replace("\"n_head\": 2", "\"n_head\": 3") + "}", new String[] {"key 'n_embd' is 32, not divisible by n_head 3"}),
                arguments("dtype", LLAMA + ", \"torch_dtype\": \"int8\"}", new String[] {"key 'torch_dtype' is 'int8'", "bfloat16"}),
                arguments("eos list element", LLAMA + ", \"eos_token_id\": [1, \"x\"]}", new String[] {"key 'eos_token_id' [1] is \"x\""}),
                arguments("boolean as string", LLAMA + ", \"attention_bias\": \"true\"}", new String[] {"key 'attention_bias' is \"true\" (string), expected true or false"}),
                arguments("sliding window zero", QWEN.replace("qwen2", "mistral") + ", \"sliding_window\": 0}", new String[] {"key 'sliding_window' is 0"}),
                arguments("layer_types length", QWEN + ", \"layer_types\": [\"full_attention\"]}", new String[] {"key 'layer_types'", "expected a list of 4 layer types"}),
                arguments("layer_types value", QWEN + ", \"layer_types\": [\"full_attention\", \"full_attention\", \"chunked\", \"full_attention\"]}",
                        new String[] {"key 'layer_types' [2] is \"chunked\""}),
                arguments("gpt2 inverse layer scaling", GPT2 + ", \"scale_attn_by_inverse_layer_idx\": true}", new String[] {"key 'scale_attn_by_inverse_layer_idx' is true"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesNamingFileAndKey(String name, String json, String[] expected) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        var e = assertThrows(ConfigException.class, () -> ModelConfig.read(p));
        assertTrue(e.getMessage().startsWith(p + ": "), "names the file: " + e.getMessage());
        for (String s : expected) assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path p = dir.resolve("absent/config.json");
        var e = assertThrows(ConfigException.class, () -> ModelConfig.load(p.getParent()));
        assertTrue(e.getMessage().startsWith(p + ": cannot read"), e.getMessage());
    }
}
