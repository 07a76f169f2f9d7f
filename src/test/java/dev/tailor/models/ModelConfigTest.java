package dev.tailor.models;

import dev.tailor.tensor.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The golden fixtures' configs, field by field as written in their config.json, and newer layouts. */
class ModelConfigTest {

    @TempDir Path dir;

    static ModelConfig golden(String name) {
        try {
            return ModelConfig.read(Path.of(ModelConfigTest.class.getResource("/golden/" + name + "/config.json").toURI()));
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    ModelConfig parse(String json) throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, json);
        return ModelConfig.read(p);
    }

    static final String LLAMA = """
            {"model_type": "llama", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2""";

    @Test
    void llama() {
        ModelConfig c = golden("llama");
        assertEquals(new ModelConfig("llama", 256, 64, 172, 2, 4, 2, 16, 128, 1e-5, 10000.0, RopeScaling.DEFAULT,
                false, false, false, false, null, new int[] {0, 0}, false, "silu", DType.F32, 1, new int[] {2}), c);
    }

    @Test
    void llama3Bf16ShardedWithLlama3Rope() {
        ModelConfig c = golden("llama3-bf16");
        assertEquals(new RopeScaling("llama3", 8, 1, 4, 64, 32, 1, Double.NaN, Double.NaN, Double.NaN, true), c.ropeScaling());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1, c.numKvHeads());
        assertEquals(16, c.headDim());
        assertEquals(300, c.vocabSize());
        assertEquals(512, c.maxPositionEmbeddings());
        assertTrue(c.tieWordEmbeddings());
        assertEquals(DType.BF16, c.dtype());
    }

    @Test
    void llamaWithBiases() {
        ModelConfig c = golden("llama-bias");
        assertTrue(c.attentionBias() && c.attentionOutputBias() && c.mlpBias(), "attention_bias covers q, k, v and o");
        assertEquals(96, c.intermediateSize());
        assertEquals(4, c.numKvHeads());
    }

    @Test
    void qwen2() {
        ModelConfig c = golden("qwen2");
        assertEquals(new ModelConfig("qwen2", 256, 64, 160, 2, 4, 2, 16, 128, 1e-6, 1000000.0, RopeScaling.DEFAULT,
                true, false, false, false, null, new int[] {0, 0}, true, "silu", DType.F32, null, new int[0]), c);
    }

    @Test
    void qwen2Yarn() {
        ModelConfig c = golden("qwen2-yarn");
        assertEquals(new RopeScaling("yarn", 4, 1, 4, 32, 32, 1, Double.NaN, Double.NaN, Double.NaN, true), c.ropeScaling());
        assertEquals(1e6, c.ropeTheta());
    }

    @Test
    void qwen3() {
        ModelConfig c = golden("qwen3");
        assertEquals(new ModelConfig("qwen3", 256, 64, 192, 2, 4, 2, 32, 128, 1e-6, 1000000.0, RopeScaling.DEFAULT,
                false, false, false, true, null, new int[] {0, 0}, true, "silu", DType.F32, null, new int[0]), c);
    }

    @Test
    void mistralSliding() {
        ModelConfig c = golden("mistral-sliding");
        assertEquals(8, c.slidingWindow());
        assertArrayEquals(new int[] {8, 8}, c.layerWindows());
        assertFalse(c.attentionBias() || c.attentionOutputBias() || c.mlpBias());
        assertFalse(c.tieWordEmbeddings());
    }

    @Test
    void gpt2() {
        ModelConfig c = golden("gpt2");
        assertEquals(new ModelConfig("gpt2", 256, 64, 256, 2, 4, 4, 16, 64, 1e-5, 0, null,
                true, true, true, false, null, new int[] {0, 0}, true, "gelu_new", DType.F32, 50256, new int[] {50256}), c);
        assertFalse(c.usesRope());
        assertEquals(32, golden("gpt2-hubkeys").maxPositionEmbeddings());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen2-yarn", "qwen3", "mistral-sliding", "gpt2", "gpt2-hubkeys"})
    void toJsonReadsBackEqual(String name) throws IOException {
        ModelConfig c = golden(name);
        Path p = dir.resolve(name + ".json");
        c.write(p);
        assertEquals(c, ModelConfig.read(p), Files.readString(p));
    }

    @Test
    void newerLayoutWithRopeParametersAndDtype() throws IOException {
        ModelConfig c = parse(LLAMA + """
                , "dtype": "bfloat16", "eos_token_id": [128001, 128008, 128009], "bos_token_id": 128000,
                 "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
                                     "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}""");
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new RopeScaling("llama3", 32, 1, 4, 8192, 32, 1, Double.NaN, Double.NaN, Double.NaN, true), c.ropeScaling());
        assertEquals(DType.BF16, c.dtype());
        assertArrayEquals(new int[] {128001, 128008, 128009}, c.eosTokenIds());
        assertEquals(128000, c.bosTokenId());
        assertEquals(c, parse(c.toJson()), "the older layout toJson writes says the same");

        ModelConfig plain = parse(LLAMA + ", \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 1000.0}, \"dtype\": \"float16\", \"torch_dtype\": \"float32\"}");
        assertEquals(1000.0, plain.ropeTheta());
        assertEquals(RopeScaling.DEFAULT, plain.ropeScaling());
        assertEquals(DType.F16, plain.dtype(), "dtype wins over the older torch_dtype");

        ModelConfig linear = parse(LLAMA + ", \"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}}");
        assertEquals("linear", linear.ropeScaling().type());
        assertEquals(2.0, linear.ropeScaling().factor());
        assertEquals(linear, parse(linear.toJson()));

        ModelConfig yarn = parse(LLAMA.replace("llama", "qwen3") + ", \"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 5.0, "
                + "\"factor\": 4.0, \"beta_fast\": 16, \"attention_factor\": 0.5, \"mscale\": 0.7, \"mscale_all_dim\": 0.9, \"truncate\": false}}");
        assertEquals(new RopeScaling("yarn", 4, 1, 4, 0, 16, 1, 0.5, 0.7, 0.9, false), yarn.ropeScaling());
        assertEquals(5.0, yarn.ropeTheta());
        assertEquals(yarn, parse(yarn.toJson()));
    }

    static final String QWEN = """
            {"model_type": "qwen2", "vocab_size": 256, "hidden_size": 64, "intermediate_size": 128,
             "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2""";

    @Test
    void qwenSlidingWindowsFollowMaxWindowLayers() throws IOException {
        ModelConfig c = parse(QWEN + ", \"use_sliding_window\": true, \"sliding_window\": 16, \"max_window_layers\": 2}");
        assertEquals(16, c.slidingWindow());
        assertArrayEquals(new int[] {0, 0, 16, 16}, c.layerWindows(), "layers i >= max_window_layers slide");
        assertEquals(c, parse(c.toJson()));

        ModelConfig off = parse(QWEN + ", \"use_sliding_window\": false, \"sliding_window\": 16, \"max_window_layers\": 2}");
        assertNull(off.slidingWindow());
        assertArrayEquals(new int[4], off.layerWindows());

        // Defaults: sliding_window 4096, max_window_layers 28 (beyond 4 layers: no layer slides).
        ModelConfig defaults = parse(QWEN + ", \"use_sliding_window\": true}");
        assertEquals(4096, defaults.slidingWindow());
        assertArrayEquals(new int[4], defaults.layerWindows());

        ModelConfig explicit = parse(QWEN + ", \"use_sliding_window\": true, \"sliding_window\": 8, "
                + "\"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"]}");
        assertArrayEquals(new int[] {8, 0, 8, 0}, explicit.layerWindows(), "explicit layer_types win over max_window_layers");
        assertEquals(explicit, parse(explicit.toJson()));

        ModelConfig nullWindow = parse(QWEN + ", \"use_sliding_window\": true, \"sliding_window\": null, \"max_window_layers\": 0}");
        assertNull(nullWindow.slidingWindow());
        assertArrayEquals(new int[4], nullWindow.layerWindows());
    }

    @Test
    void defaultsOfEachConfigClass() throws IOException {
        String qwen3 = QWEN.replace("qwen2", "qwen3") + "}";
        assertEquals(128, parse(qwen3).headDim(), "Qwen3Config defaults head_dim to 128");
        String mistral = QWEN.replace("qwen2", "mistral");
        assertEquals(4096, parse(mistral + "}").slidingWindow(), "an absent sliding_window is MistralConfig's 4096");
        assertNull(parse(mistral + ", \"sliding_window\": null}").slidingWindow());
        ModelConfig llama = parse(LLAMA.replace(", \"num_key_value_heads\": 2", "") + "}");
        assertEquals(4, llama.numKvHeads(), "num_key_value_heads defaults to num_attention_heads");
        assertEquals(2048, llama.maxPositionEmbeddings());
        assertEquals(1e-6, llama.normEps());
        assertEquals(10000.0, llama.ropeTheta());
        ModelConfig gpt2 = parse("{\"model_type\": \"gpt2\", \"vocab_size\": 50, \"n_embd\": 32, \"n_layer\": 1, \"n_head\": 2, \"n_inner\": null, "
                + "\"activation_function\": \"gelu_pytorch_tanh\", \"eos_token_id\": 7}");
        assertEquals(128, gpt2.intermediateSize(), "n_inner null is 4 * n_embd");
        assertEquals(1024, gpt2.maxPositionEmbeddings());
        assertArrayEquals(new int[] {7}, gpt2.eosTokenIds());
        assertEquals("gelu_pytorch_tanh", gpt2.hiddenAct());
        assertEquals(gpt2, parse(gpt2.toJson()));
    }
}
