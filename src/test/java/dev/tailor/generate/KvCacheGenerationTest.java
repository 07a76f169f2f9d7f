package dev.tailor.generate;

import dev.tailor.autograd.Tape;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.KvCache;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelLoader;
import dev.tailor.nn.LinearSlot;
import dev.tailor.nn.TensorSlot;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Decoding with the KV cache against decoding that recomputes the whole sequence at every step,
 * on every golden fixture architecture (GQA, biases, q/k norms, llama3 and yarn RoPE, GPT-2's
 * learned positions, Mistral's sliding window, BF16 weights), and batched prompts of different
 * lengths against each prompt alone.
 *
 * <p>The prompts are the fixtures' own input ids. 5 + 14 tokens run past Mistral's window of 8,
 * so the window matters in the cached keys too. Logit tolerance 1e-4 absolute (DESIGN.md's
 * float32 tolerance): the cached path sums attention over fewer, differently blocked terms and
 * runs its one-row products through Gemv rather than Gemm; nothing else differs.
 */
class KvCacheGenerationTest {

    static final String[] FIXTURES = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen3", "qwen2-yarn", "gpt2", "gpt2-hubkeys", "mistral-sliding"};

    static Path fixture(String name) {
        try {
            return Path.of(KvCacheGenerationTest.class.getResource("/golden/" + name + "/golden.safetensors").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Row {@code row} of the fixture's (2, 17) input ids, first {@code len} tokens. */
    static int[] goldenIds(String name, int row, int len) {
        SafetensorsFile golden = SafetensorsFile.open(fixture(name).resolve("golden.safetensors"));
        long[] ids = golden.longs("input_ids");
        int t = golden.info("input_ids").shape().dim(1);
        int[] out = new int[len];
        for (int i = 0; i < len; i++) out[i] = Math.toIntExact(ids[row * t + i]);
        return out;
    }

    static CausalLM load(String name) { return ModelLoader.load(fixture(name).resolve("model"), false); }

    /** Greedy decoding the slow way: the whole sequence through the model at every step. */
    static int[] greedyByRecomputing(CausalLM model, int[] prompt, int newTokens) {
        int[] seq = Arrays.copyOf(prompt, prompt.length + newTokens);
        try (var g = Tape.noGrad()) {
            for (int s = 0; s < newTokens; s++) {
                int len = prompt.length + s;
                float[] logits = model.forward(Inputs.of(Arrays.copyOf(seq, len), 1, len)).data(); // (1, len, V)
                int v = model.config().vocabSize(), best = 0;
                for (int i = 1; i < v; i++) if (logits[(len - 1) * v + i] > logits[(len - 1) * v + best]) best = i;
                seq[len] = best;
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen3", "qwen2-yarn", "gpt2", "gpt2-hubkeys", "mistral-sliding"})
    void cachedLogitsEqualRecomputedLogitsAtEveryStep(String name) {
        CausalLM model = load(name);
        int[] seq = goldenIds(name, 0, 17);
        int prompt = 5, v = model.config().vocabSize();
        KvCache cache = KvCache.forModel(model.config(), 1, seq.length);
        try (var g = Tape.noGrad()) {
            Tensor cached = model.forward(Inputs.of(Arrays.copyOf(seq, prompt), 1, prompt), cache); // (1, 1, V)
            for (int len = prompt; ; len++) {
                assertArrayEquals(new int[] {1, 1, v}, cached.shape().dims(), name + ": a cached pass returns the last token's logits");
                float[] full = model.forward(Inputs.of(Arrays.copyOf(seq, len), 1, len)).data(); // (1, len, V)
                for (int i = 0; i < v; i++) {
                    assertEquals(full[(len - 1) * v + i], cached.data()[i], 1e-4, name + ": logit " + i + " after " + len + " tokens");
                }
                if (len == seq.length) break;
                cached = model.forward(new Inputs(new int[] {seq[len]}, 1, 1, new int[] {len}, null), cache);
            }
            assertEquals(seq.length, cache.length());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen3", "qwen2-yarn", "gpt2", "gpt2-hubkeys", "mistral-sliding"})
    void greedyWithTheCacheEqualsGreedyByRecomputing(String name) {
        CausalLM model = load(name);
        int[] prompt = goldenIds(name, 1, 5);
        int[] expected = greedyByRecomputing(model, prompt, 14);
        Generation got = new Generator(model).generate(List.of(prompt), 14, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE)
                .generations().getFirst();
        assertArrayEquals(expected, got.tokens(), name);
        assertEquals(FinishReason.LENGTH, got.finish());
        assertEquals(5, got.promptTokens());
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "qwen3", "gpt2", "mistral-sliding"})
    void batchedPromptsOfDifferentLengthsGiveWhatEachGivesAlone(String name) {
        CausalLM model = load(name);
        List<int[]> prompts = List.of(goldenIds(name, 0, 3), goldenIds(name, 1, 9), goldenIds(name, 0, 6), goldenIds(name, 1, 1));
        Generator gen = new Generator(model);
        List<Generation> batched = gen.generate(prompts, 12, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE).generations();
        for (int b = 0; b < prompts.size(); b++) {
            Generation alone = gen.generate(List.of(prompts.get(b)), 12, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE)
                    .generations().getFirst();
            assertArrayEquals(alone.tokens(), batched.get(b).tokens(), name + " prompt " + b + " (length " + prompts.get(b).length + ")");
        }
    }

    @Test
    void batchedSamplingWithTheSameSeedGivesRowZeroWhatItGetsAlone() {
        CausalLM model = load("llama");
        var sampling = new SamplingConfig(1.0f, 0, 1f, 0f, 1f, 1234);
        List<int[]> prompts = List.of(goldenIds("llama", 0, 4), goldenIds("llama", 1, 7));
        Generator gen = new Generator(model);
        int[] batched = gen.generate(prompts, 10, sampling, StopRules.none(), null, TokenListener.NONE).generations().get(0).tokens();
        int[] alone = gen.generate(List.of(prompts.get(0)), 10, sampling, StopRules.none(), null, TokenListener.NONE).generations().get(0).tokens();
        assertArrayEquals(alone, batched);
    }

    @Test
    void generationStopsAtTheContext() {
        CausalLM model = load("gpt2-hubkeys"); // n_positions = 32
        int[] prompt = new int[30];
        for (int i = 0; i < prompt.length; i++) prompt[i] = goldenIds("gpt2-hubkeys", 0, 17)[i % 17];
        Generation g = new Generator(model).generate(List.of(prompt), 10, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE)
                .generations().getFirst();
        assertEquals(3, g.tokens().length, "30 prompt tokens + 3 new = 33: the last new token needs no position of its own");
        assertEquals(FinishReason.LENGTH, g.finish());
        assertArrayEquals(greedyByRecomputing(model, prompt, 3), g.tokens());

        PromptTooLongException e = assertThrows(PromptTooLongException.class, () -> new Generator(model)
                .generate(List.of(new int[33]), 1, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE));
        assertTrue(e.getMessage().contains("has 33 tokens") && e.getMessage().contains("context is 32"), e.getMessage());
    }

    /** A model that wraps another and has no cached path of its own: CausalLM's default recomputes. */
    record Wrapper(CausalLM base) implements CausalLM {
        @Override public ModelConfig config() { return base.config(); }
        @Override public Tensor forward(Inputs in) { return base.forward(in); }
        @Override public Map<String, Tensor> parameters() { return base.parameters(); }
        @Override public List<LinearSlot> linears() { return base.linears(); }
        @Override public TensorSlot tokenEmbedding() { return base.tokenEmbedding(); }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "gpt2"})
    void aModelWithoutACachedPathRecomputesTheHistoryAndGetsTheSameTokens(String name) {
        CausalLM model = load(name);
        List<int[]> prompts = List.of(goldenIds(name, 0, 2), goldenIds(name, 1, 6));
        List<Generation> cached = new Generator(model).generate(prompts, 8, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE).generations();
        List<Generation> recomputed = new Generator(new Wrapper(model)).generate(prompts, 8, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE).generations();
        for (int b = 0; b < prompts.size(); b++) assertArrayEquals(cached.get(b).tokens(), recomputed.get(b).tokens(), name + " row " + b);
        for (int b = 0; b < prompts.size(); b++) assertArrayEquals(greedyByRecomputing(model, prompts.get(b), 8), cached.get(b).tokens(), name + " row " + b);
    }

    @Test
    void aFullCacheRefusesMoreTokens() {
        CausalLM model = load("llama");
        KvCache cache = KvCache.forModel(model.config(), 1, 4);
        try (var g = Tape.noGrad()) {
            model.forward(Inputs.of(new int[] {1, 2, 3}, 1, 3), cache);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.forward(Inputs.of(new int[] {4, 5}, 1, 2), cache));
            assertTrue(e.getMessage().contains("3 of 4 slots used, 2 more requested"), e.getMessage());
        }
    }
}
