package dev.tailor.autograd;

import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.PeftConfig;
import dev.tailor.peft.PrefixTuningConfig;
import dev.tailor.peft.PromptTuningConfig;
import dev.tailor.peft.Targets;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Activation checkpointing must not change a single bit of any gradient: the recomputed forward
 * runs the same kernels on the same inputs, and the recomputed entries are replayed in the same
 * order as the ones they replace, so every sum is formed in the same order. The segment test is
 * therefore exact; for whole models see {@link #assertSameGradients}.
 */
class RecomputeTest {

    private static Tensor random(Random r, boolean trainable, int... dims) {
        Tensor t = Tensor.zeros(dims);
        for (int i = 0; i < t.size(); i++) t.data()[i] = r.nextFloat() * 2 - 1;
        return t.requiresGrad(trainable);
    }

    /** A small MLP-with-residual block over x (7, 33): x + W3 · swiglu(W1 x, W2 x), hidden 257. */
    private record Mlp(Tensor w1, Tensor w2, Tensor w3) {
        Tensor forward(Tensor x) {
            Tensor h = ActOps.swiglu(MatOps.linear(x, w1, null), MatOps.linear(x, w2, null)); // (7, 257)
            return BasicOps.add(x, MatOps.linear(h, w3, null));                               // (7, 33)
        }
    }

    /** loss = sum(y * y), with y two chained blocks; returns the gradients of x, then of each weight. */
    private static List<float[]> gradients(boolean checkpoint, Tensor x, Mlp a, Mlp b) {
        for (Tensor t : List.of(x, a.w1, a.w2, a.w3, b.w1, b.w2, b.w3)) t.dropGrad();
        Tensor h = checkpoint ? Recompute.checkpoint("a", x, a::forward) : a.forward(x);
        if (checkpoint) assertEquals(1, Tape.size(), "a checkpointed block is one tape entry");
        Tensor y = checkpoint ? Recompute.checkpoint("b", h, b::forward) : b.forward(h);
        Tape.backward(BasicOps.sum(BasicOps.mul(y, y)));
        return List.of(x.grad().clone(), a.w1.grad().clone(), a.w3.grad().clone(), b.w1.grad().clone(), b.w2.grad().clone());
    }

    @Test
    void checkpointedBlocksGiveBitIdenticalGradients() {
        Random r = new Random(3);
        Tensor x = random(r, true, 7, 33);
        Mlp a = new Mlp(random(r, true, 257, 33), random(r, true, 257, 33), random(r, true, 33, 257));
        Mlp b = new Mlp(random(r, true, 257, 33), random(r, true, 257, 33), random(r, true, 33, 257));
        List<float[]> plain = gradients(false, x, a, b);
        List<float[]> checkpointed = gradients(true, x, a, b);
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), checkpointed.get(i), "gradient " + i);
        assertEquals(0, Tape.size());
    }

    /**
     * The recomputing rule against central differences (GradCheck evaluates L in double; 1e-2 of
     * the largest gradient covers the float32 forward's rounding at step 1e-2 on O(1) values).
     */
    @Test
    void checkpointMatchesFiniteDifferences() {
        Random r = new Random(5);
        Tensor x = random(r, true, 7, 33);
        Mlp a = new Mlp(random(r, true, 19, 33), random(r, true, 19, 33), random(r, true, 33, 19));
        GradCheck.check("checkpoint", 1e-2, 1e-2, () -> Recompute.checkpoint("a", x, a::forward), x, a.w1, a.w3);
    }

    @Test
    void frozenSegmentRecordsNothingAndNoGradJustRuns() {
        Random r = new Random(7);
        Tensor x = random(r, false, 2, 33);
        Mlp frozen = new Mlp(random(r, false, 19, 33), random(r, false, 19, 33), random(r, false, 33, 19));
        Tensor y = Recompute.checkpoint("frozen", x, frozen::forward);
        assertFalse(y.requiresGrad());
        assertEquals(0, Tape.size());
        Mlp trainable = new Mlp(random(r, true, 19, 33), frozen.w2, frozen.w3);
        try (var g = Tape.noGrad()) {
            Tensor z = Recompute.checkpoint("eval", x, trainable::forward);
            assertFalse(z.requiresGrad());
            assertArrayEquals(trainable.forward(x).data(), z.data());
        }
        assertEquals(0, Tape.size());
    }

    @Test
    void scratchTapeLeavesTheOuterTapeAlone() {
        Tensor w = Tensor.of(new float[] {2, 3}, 2).requiresGrad(true);
        Tensor outer = BasicOps.scale(w, 2f);
        Tape.scratch(() -> BasicOps.scale(w, 5f));
        assertEquals(1, Tape.size(), "the scratch entry is gone, the outer one stays");
        Tape.backward(outer, new float[] {1, 10});
        assertArrayEquals(new float[] {2, 20}, w.grad(), "d(2w) with seed (1, 10)");
        var e = assertThrows(IllegalArgumentException.class, () -> Tape.backward(BasicOps.scale(w, 1f), new float[3]));
        assertTrue(e.getMessage().contains("3 elements"), e.getMessage());
        Tape.clear();
    }

    // ---- whole models

    private static final Inputs INPUTS = Inputs.of(new int[] {3, 17, 5, 29, 11, 38, 0, 22, 9, 14, 200, 255}, 2, 6);

    private static Map<String, float[]> modelGradients(CausalLM model, List<Tensor> params, boolean checkpoint) {
        model.checkpointing(checkpoint);
        for (Tensor p : params) p.dropGrad();
        Tensor loss = model.loss(INPUTS, INPUTS.ids(), true);
        Tape.backward(loss);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            float[] g = params.get(i).grad();
            out.put(i + " " + params.get(i).shape(), g == null ? null : g.clone());
        }
        model.checkpointing(false);
        return out;
    }

    /**
     * Whole models contain attention, whose kernel's float lane reductions round differently in
     * the interpreter, C1 and C2: a run during which the JIT replaces it can differ from another in
     * the last bits, whatever checkpointing does (two plain runs differ the same way). So the
     * models compare to 1e-5 of each tensor's largest gradient (float32 rounding of a few ops,
     * about 1e-6, with room), and the exact, bit-for-bit check is the segment test above.
     */
    private static void assertSameGradients(CausalLM model, List<Tensor> params) {
        Map<String, float[]> checkpointed = modelGradients(model, params, true);
        Map<String, float[]> plain = modelGradients(model, params, false);
        assertEquals(plain.keySet(), checkpointed.keySet());
        plain.forEach((k, g) -> {
            assertNotNull(g, "parameter " + k + " got no gradient");
            double max = 0;
            for (float v : g) max = Math.max(max, Math.abs(v));
            assertTrue(max > 0, "parameter " + k + " has an all-zero gradient: the comparison would prove nothing");
            float[] c = checkpointed.get(k);
            for (int i = 0; i < g.length; i++) assertEquals(g[i], c[i], 1e-5 * max, "parameter " + k + " at " + i);
        });
    }

    @Test
    void fullFineTuningGradientsAreIdenticalWithCheckpointing() {
        CausalLM model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 11);
        List<Tensor> params = List.copyOf(model.parameters().values());
        for (Tensor p : params) p.requiresGrad(true);
        assertSameGradients(model, params);
    }

    @Test
    void loraGradientsAreIdenticalWithCheckpointing() {
        CausalLM model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 12);
        // Random init: B is non-zero, so the gradients of A are non-zero too and get compared.
        var peft = Adapters.apply(model, LoraConfig.of(4, 8, new Targets.AllLinear()).withInit(LoraConfig.Init.RANDOM), "default", 2);
        List<Tensor> params = peft.paramGroups().stream().flatMap(g -> g.params().stream()).toList();
        assertEquals(2 * 7 * 2, params.size(), "A and B for 7 linears in each of 2 blocks");
        assertSameGradients(model, params);
    }

    /**
     * Prefix tuning, with and without its MLP, and P-tuning v2 style prefixes reach every block as
     * per-layer keys and values, and prompt tuning as extra input rows: a checkpointed block captures
     * the prefixes, so the recomputed backward must still add into their gradients (and through them
     * into the MLP's), and give what the plain backward gives.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"prefix", "prefix-projected", "prompt"})
    void promptLearningGradientsAreIdenticalWithCheckpointing(String method) {
        CausalLM model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 13);
        PeftConfig config = switch (method) {
            case "prefix" -> new PrefixTuningConfig(3, false, 0);
            case "prefix-projected" -> new PrefixTuningConfig(3, true, 16);
            default -> PromptTuningConfig.of(3, PromptTuningConfig.Init.RANDOM);
        };
        var peft = Adapters.apply(model, config, "default", 5);
        List<Tensor> params = peft.paramGroups().stream().flatMap(g -> g.params().stream()).toList();
        assertFalse(params.isEmpty(), method + " has trainable parameters");
        assertSameGradients(model, params);
    }

    @Test
    void architecturesWithoutTheHookRefuse() {
        CausalLM gpt2 = ModelInit.create(Presets.config("gpt2", "tiny", DType.F32), 1);
        var e = assertThrows(UnsupportedOperationException.class, () -> gpt2.checkpointing(true));
        assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
    }
}
