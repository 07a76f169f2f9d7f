package dev.tailor.peft;

import dev.tailor.autograd.GradCheck;
import dev.tailor.autograd.Tape;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelInit;
import dev.tailor.models.ModelLoader;
import dev.tailor.models.LoadOptions;
import dev.tailor.models.RopeScaling;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The contract every PEFT method passes (DESIGN.md), one row per method. A row names how to build
 * its base model and how to attach the method; QLoRA adds a row whose base stores NF4 weights,
 * later methods add theirs.
 */
class PeftContractTest {

    /**
     * @param base         a fresh, deterministic base model (the same weights on every call)
     * @param attach       attaches the method with its default initialisation
     * @param identityInit the method's initial output equals the base's (bit for bit)
     * @param merges       the method folds into the base weights (a bottleneck adapter cannot: it must refuse)
     * @param mergeTol     merged vs unmerged logits, absolute: float32 reassociation of W x + s·B A x
     *                     into (W + s·B A) x changes the last bits only (logits are O(1))
     * @param fdChecked    which trainable tensors (by saved key) central differences can check; DoRA's
     *                     A and B are left to the PyTorch fixtures because their gradient, by
     *                     definition, does not flow through the (detached) norm, while a finite
     *                     difference of the output does
     */
    record Method(String name, Supplier<CausalLM> base, Function<CausalLM, PeftModel> attach, boolean identityInit,
                  boolean merges, double mergeTol, Predicate<String> fdChecked) {
        @Override public String toString() { return name; }
    }

    static final Targets LLAMA_LINEARS = new Targets.Names(List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"));
    static final Targets GPT2_LINEARS = new Targets.Names(List.of("c_attn", "c_proj", "c_fc"));

    /**
     * A Llama small enough for full central differences: C 16, 2 heads over 1 kv head, attention
     * (q/k/v/o, as Llama's attention_bias means) and MLP biases, untied head.
     */
    static ModelConfig tinyLlama() {
        return new ModelConfig("llama", 40, 16, 24, 1, 2, 1, 8, 64, 1e-5, 10000, RopeScaling.DEFAULT, true, true, true, false,
                null, new int[1], false, "silu", DType.F32, 0, new int[] {39});
    }

    static ModelConfig tinyGpt2() {
        return new ModelConfig("gpt2", 40, 16, 64, 1, 2, 2, 8, 64, 1e-5, 0, null, true, true, true, false,
                null, new int[1], true, "gelu_new", DType.F32, 0, new int[] {39});
    }

    static List<Method> methods() {
        Predicate<String> all = k -> true;
        return List.of(
                new Method("LoRA", () -> ModelInit.create(tinyLlama(), 7), m -> Adapters.apply(m, LoraConfig.of(2, 4, LLAMA_LINEARS), "a", 1),
                        true, true, 1e-5, all),
                new Method("rsLoRA", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, LoraConfig.of(4, 4, LLAMA_LINEARS).withRslora(true), "a", 2), true, true, 1e-5, all),
                new Method("DoRA", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, LoraConfig.of(2, 4, LLAMA_LINEARS).withDora(true), "a", 3), true, true, 1e-5,
                        k -> k.endsWith(".lora_magnitude_vector")),
                // Merging into an NF4 base writes bf16 (as PEFT does for 4-bit bases), so merged logits
                // differ from unmerged by bf16 rounding of the weights: ~2^-8 relative, 2e-2 absolute on O(1) logits.
                new Method("QLoRA", () -> nf4(ModelInit.create(tinyLlama(), 7)),
                        m -> Adapters.apply(m, LoraConfig.of(2, 4, LLAMA_LINEARS), "a", 6), true, true, 2e-2, all),
                new Method("GPT-2 LoRA", () -> ModelInit.create(tinyGpt2(), 7), m -> Adapters.apply(m, LoraConfig.of(2, 4, GPT2_LINEARS), "a", 4),
                        true, true, 1e-5, all),
                new Method("LoRA all-linear, lora_only biases, lm_head saved", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, LoraConfig.of(2, 4, new Targets.AllLinear()).withBias(LoraConfig.Bias.LORA_ONLY)
                                .withModulesToSave(List.of("lm_head")), "a", 5), true, true, 1e-5, all),
                // Bottleneck adapters: up starts at zero, so the output starts as the base's; no merge exists.
                new Method("Houlsby adapter (SiLU)", () -> amplified(ModelInit.create(tinyLlama(), 7)),
                        m -> Adapters.apply(m, new BottleneckConfig(BottleneckConfig.Type.HOULSBY, 3, BottleneckConfig.Nonlinearity.SILU), "a", 8),
                        true, false, 0, all),
                new Method("GPT-2 Pfeiffer adapter (GELU)", () -> amplified(ModelInit.create(tinyGpt2(), 7)),
                        m -> Adapters.apply(m, new BottleneckConfig(BottleneckConfig.Type.PFEIFFER, 5, BottleneckConfig.Nonlinearity.GELU), "a", 9),
                        true, false, 0, all),
                // (IA)³ with PEFT's defaults: k/v outputs and down_proj's input; the biased tiny Llama checks bias scaling on merge.
                new Method("IA3", () -> ModelInit.create(tinyLlama(), 7), m -> Adapters.apply(m, Ia3Config.defaultsFor("llama"), "a", 10),
                        true, true, 1e-5, all),
                new Method("GPT-2 IA3 (Conv1D)", () -> ModelInit.create(tinyGpt2(), 7), m -> Adapters.apply(m, Ia3Config.defaultsFor("gpt2"), "a", 11),
                        true, true, 1e-5, all),
                new Method("BitFit", () -> amplified(ModelInit.create(tinyLlama(), 7)), m -> Adapters.apply(m, new BitFitConfig(null), "a", 12),
                        true, true, 1e-5, all),
                new Method("GPT-2 BitFit", () -> amplified(ModelInit.create(tinyGpt2(), 7)), m -> Adapters.apply(m, new BitFitConfig(null), "a", 13),
                        true, true, 1e-5, all));
    }

    /**
     * Prompt learning: virtual tokens or attention prefixes are extra inputs, so the output starts
     * away from the base and nothing merges. Three virtual tokens; the GPT-2 rows check learned
     * positions (virtual tokens take positions 0..2, the real ones shift by 3).
     */
    static List<Method> promptLearning() {
        Predicate<String> all = k -> true;
        var text = new PromptTuningConfig(3, PromptTuningConfig.Init.TEXT, "t", null, List.of(List.of(5, 9)));
        return List.of(
                new Method("Prompt tuning", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, PromptTuningConfig.of(3, PromptTuningConfig.Init.RANDOM), "a", 21), false, false, 0, all),
                new Method("GPT-2 prompt tuning, text init", () -> ModelInit.create(tinyGpt2(), 7), m -> Adapters.apply(m, text, "a", 22),
                        false, false, 0, all),
                new Method("Prefix tuning (MLP)", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, new PrefixTuningConfig(3, true, 5), "a", 23), false, false, 0, all),
                new Method("GPT-2 prefix tuning (MLP)", () -> ModelInit.create(tinyGpt2(), 7),
                        m -> Adapters.apply(m, new PrefixTuningConfig(3, true, 0), "a", 24), false, false, 0, all),
                new Method("P-tuning v2", () -> ModelInit.create(tinyLlama(), 7),
                        m -> Adapters.apply(m, new PrefixTuningConfig(3, false, 0), "a", 25), false, false, 0, all));
    }

    /**
     * The keys that train after loading: the trained ones, except that prefixes trained through the
     * reparameterisation MLP are saved as the MLP's output and reload as those prefixes, directly
     * trainable (PEFT's inference mode), under the saved key.
     */
    static java.util.Set<String> reloadedKeys(PeftModel peft) {
        return peft.config(peft.active()) instanceof PrefixTuningConfig c && c.prefixProjection()
                ? java.util.Set.of("prompt_embeddings") : peft.trainable().keySet();
    }

    /**
     * The model with every matrix scaled by 6 (std 0.12 instead of 0.02), so sublayer outputs are
     * O(1) as in a trained model. At the fresh init they are O(0.02), and the gradients of methods
     * that act on those outputs (bottleneck adapters, biases behind the attention softmax) drop to
     * 1e-4, where float32 rounding of the model's forward (~2e-6 on the projected logits, over a
     * step of 1e-2) swamps a finite difference.
     */
    static CausalLM amplified(CausalLM model) {
        for (Tensor t : model.parameters().values()) {
            if (t.rank() != 2) continue;
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) d[i] *= 6f;
        }
        return model;
    }

    /** The same model with its block linear weights stored as NF4, as QLoRA loads it. */
    static CausalLM nf4(CausalLM model) {
        try {
            Path dir = java.nio.file.Files.createTempDirectory("qlora-base");
            ModelInit.write(model, dir);
            CausalLM quantised = ModelLoader.load(dir, LoadOptions.NF4);
            assertEquals(DType.NF4, quantised.parameters().get("model.layers.0.self_attn.q_proj.weight").dtype());
            return quantised;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static final Inputs INPUTS = Inputs.of(new int[] {3, 17, 5, 29, 11, 38, 0, 22, 9, 14}, 2, 5);
    static final int[] LABELS = {3, 17, 5, 29, 11, -100, 0, 22, 9, 14};

    static float[] logits(CausalLM m) {
        try (var g = Tape.noGrad()) {
            return m.forward(INPUTS).data();
        }
    }

    /** Two plain SGD steps over the method's parameter groups: B leaves zero in the first, A moves in the second. */
    static void train(PeftModel peft) {
        for (int step = 0; step < 2; step++) {
            Tensor loss = peft.model().loss(INPUTS, LABELS, true);
            Tape.backward(loss);
            for (ParamGroup g : peft.paramGroups()) {
                for (Tensor p : g.params()) {
                    float[] d = p.data(), grad = p.grad();
                    if (grad == null) continue;
                    for (int i = 0; i < d.length; i++) d[i] -= (float) (0.5 * g.lrScale()) * grad[i];
                    p.zeroGrad();
                }
            }
        }
    }

    /**
     * Trains, then moves every trainable tensor by up to ±0.2 (seeded): a small base model trained
     * two steps leaves the adapter's effect near float32 rounding, which would let a wrong merge or
     * gradient pass unseen.
     */
    static void moveAway(PeftModel peft) {
        train(peft);
        java.util.Random r = new java.util.Random(99);
        for (Tensor t : peft.trainable().values()) {
            float[] d = t.data();
            for (int i = 0; i < d.length; i++) d[i] += (r.nextFloat() * 2 - 1) * 0.2f;
        }
    }

    /**
     * Model outputs that must be identical. Two forwards of the same model on the same input differ
     * in the last bits while the JIT compiles the attention kernel (its float lane reductions round
     * differently per compilation tier; observed 5e-8 on these O(1) logits), so the model-level
     * comparison allows 1e-6; {@link #assertLayersEqual} holds each layer to bit equality.
     */
    static void assertSameOutput(float[] expected, float[] actual, String what) {
        dev.tailor.Approx.assertClose(expected, actual, 1e-6, 0, what);
    }

    /** Every linear slot of {@code a} gives bit for bit the output of the same slot of {@code b} (or its base layer when b is null). */
    static void assertLayersEqual(CausalLM a, CausalLM b, String what) {
        try (var g = Tape.noGrad()) {
            List<dev.tailor.nn.LinearSlot> sa = a.linears(), sb = b == null ? sa : b.linears();
            for (int i = 0; i < sa.size(); i++) {
                var layer = sa.get(i).get();
                int in = layer.base().inFeatures();
                Tensor x = Tensor.of(dev.tailor.Approx.uniform(i, 3 * in, -1, 1), 3, in);
                float[] expected = b == null ? layer.base().forward(x).data() : sb.get(i).get().forward(x).data();
                assertArrayEquals(expected, layer.forward(x).data(), what + ": layer " + sa.get(i).path());
            }
        }
    }

    static Map<String, float[]> snapshot(Map<String, Tensor> tensors) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((k, t) -> out.put(k, t.copy().data()));
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void outputAtInitialisationEqualsTheBase(Method m) {
        CausalLM model = m.base().get();
        float[] base = logits(model);
        m.attach().apply(model);
        float[] adapted = logits(model);
        if (m.identityInit()) {
            assertSameOutput(base, adapted, m + ": output at init");
            assertLayersEqual(model, null, m + ": output at init");
        } else assertFalse(java.util.Arrays.equals(base, adapted), m + ": the method starts away from the base");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void onlyTheMethodsParametersChange(Method m) {
        CausalLM model = m.base().get();
        Map<String, float[]> baseBefore = snapshot(model.parameters());
        PeftModel peft = m.attach().apply(model);
        Map<String, float[]> adapterBefore = snapshot(peft.trainable());
        train(peft);
        model.parameters().forEach((k, t) -> {
            assertFalse(t.requiresGrad(), m + ": base weight " + k + " is trainable");
            assertNull(t.grad(), m + ": base weight " + k + " got a gradient");
            assertArrayEquals(baseBefore.get(k), t.copy().data(), m + ": base weight " + k + " changed");
        });
        List<String> unchanged = new ArrayList<>();
        peft.trainable().forEach((k, t) -> { if (java.util.Arrays.equals(adapterBefore.get(k), t.data())) unchanged.add(k); });
        assertEquals(List.of(), unchanged, m + ": every trainable tensor moves in two SGD steps");
        int grouped = 0;
        for (ParamGroup g : peft.paramGroups()) grouped += g.params().size();
        assertEquals(peft.trainable().size(), grouped, m + ": the param groups hold exactly the trainable tensors");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void mergedEqualsUnmerged(Method m) {
        CausalLM model = m.base().get();
        PeftModel peft = m.attach().apply(model);
        moveAway(peft);
        float[] unmerged = logits(model);
        if (!m.merges()) {
            var e = assertThrows(UnsupportedOperationException.class, peft::merge, m + ": merge must refuse");
            assertTrue(e.getMessage().contains("cannot be merged"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, peft::mergedWeights, m + ": merged weights must refuse");
            assertArrayEquals(unmerged, logits(model), m + ": a refused merge leaves the model as it was");
            return;
        }
        peft.merge();
        float[] merged = logits(model);
        assertFalse(java.util.Arrays.equals(logits(m.base().get()), merged), m + ": the merged model differs from the base");
        dev.tailor.Approx.assertClose(unmerged, merged, m.mergeTol(), 0, m + ": merged vs unmerged");
        peft.unmerge();
        assertSameOutput(unmerged, logits(model), m + ": unmerge restores the unmerged output");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void disablingGivesTheBaseExactly(Method m) {
        CausalLM model = m.base().get();
        float[] base = logits(model);
        PeftModel peft = m.attach().apply(model);
        moveAway(peft);
        float[] adapted = logits(model);
        String name = peft.active();
        peft.disable();
        assertSameOutput(base, logits(model), m + ": disabled");
        assertLayersEqual(model, null, m + ": disabled");
        peft.setActive(name);
        assertSameOutput(adapted, logits(model), m + ": re-enabled");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void saveThenLoadGivesIdenticalOutputs(Method m, @TempDir Path dir) {
        CausalLM model = m.base().get();
        PeftModel peft = m.attach().apply(model);
        moveAway(peft);
        float[] adapted = logits(model);
        peft.save(dir);
        CausalLM fresh = m.base().get();
        PeftModel loaded = Adapters.load(fresh, dir);
        assertSameOutput(adapted, logits(fresh), m + ": outputs after save and load");
        assertLayersEqual(fresh, model, m + ": outputs after save and load");
        assertEquals(reloadedKeys(peft), loaded.trainable().keySet(), m + ": the same tensors train after loading");
    }

    /**
     * Tape gradients of the logits (projected on fixed random weights) against central differences
     * of step 1e-2 in the adapter tensors (entries are O(0.1)): within 1e-2 of each tensor's largest
     * gradient, the float32 rounding of a whole-model forward divided by the step.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource({"methods", "promptLearning"})
    void gradientsAgreeWithFiniteDifferences(Method m) {
        CausalLM model = m.base().get();
        PeftModel peft = m.attach().apply(model);
        moveAway(peft); // B = 0 at init would make A's gradient vanish
        List<Tensor> checked = new ArrayList<>();
        peft.trainable().forEach((k, t) -> { if (m.fdChecked().test(k)) checked.add(t); });
        assertFalse(checked.isEmpty(), m + ": something to check");
        GradCheck.check(m.name(), 1e-2, 1e-2, () -> model.forward(INPUTS), checked.toArray(Tensor[]::new));
    }
}
