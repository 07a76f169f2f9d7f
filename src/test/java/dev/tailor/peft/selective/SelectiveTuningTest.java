package dev.tailor.peft.selective;

import dev.tailor.autograd.Tape;
import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.ModelInit;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelLoader;
import dev.tailor.models.Presets;
import dev.tailor.tensor.DType;
import dev.tailor.train.Methods;
import dev.tailor.train.TrainConfig;
import dev.tailor.train.TrainData;
import dev.tailor.train.Trainable;
import dev.tailor.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Freeze tuning and Half Fine-Tuning: which tensors train, that the others never move, and that the saved model is the trained one. */
class SelectiveTuningTest {

    static CausalLM tiny(String arch) { return ModelInit.create(Presets.config(arch, "tiny", DType.F32), 5); }

    @Test
    void freezeTrainsTheLastOrFirstBlocksAndTheNamedModules() {
        CausalLM m = tiny("llama"); // 2 layers
        Set<String> last = FreezeTuning.select(m, 1, List.of("all")).keySet();
        assertEquals(9, last.size());
        for (String k : last) assertTrue(k.startsWith("model.layers.1."), k);
        Set<String> first = FreezeTuning.select(m, -1, List.of("all")).keySet();
        for (String k : first) assertTrue(k.startsWith("model.layers.0."), k);
        assertEquals(List.of("model.layers.0.self_attn.o_proj.weight", "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                        "model.layers.0.mlp.down_proj.weight", "model.layers.1.self_attn.o_proj.weight", "model.layers.1.mlp.gate_proj.weight",
                        "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight"),
                new ArrayList<>(FreezeTuning.select(m, 2, List.of("mlp", "self_attn.o_proj")).keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> FreezeTuning.select(m, 3, List.of("all")));
        assertTrue(e.getMessage().contains("between -2 and 2"), e.getMessage());
        assertTrue(FreezeTuning.contains("mlp.down_proj.weight", "mlp.down_proj"));
        assertFalse(FreezeTuning.contains("mlp.down_proj.weight", "mlp.up_proj"));
        assertFalse(FreezeTuning.contains("self_attn.q_proj.weight", "proj"));
    }

    /** Per block: 2 of 4 attention projections, 1 of 2 norms, MLP 2 of 3 and 1 of 3 in turn; outside (embedding, norm, head) 2 or 1 of 3. */
    @Test
    void hftTrainsHalfOfEachCategoryPerBlock() {
        ModelConfig c = Presets.config("llama", "tiny", DType.F32);
        ModelConfig untied = new ModelConfig(c.modelType(), c.vocabSize(), c.hiddenSize(), c.intermediateSize(), c.numLayers(), c.numHeads(),
                c.numKvHeads(), c.headDim(), c.maxPositionEmbeddings(), c.normEps(), c.ropeTheta(), c.ropeScaling(), c.attentionBias(),
                c.attentionOutputBias(), c.mlpBias(), c.qkNorm(), c.slidingWindow(), c.layerWindows(), false, c.hiddenAct(), c.dtype(),
                c.bosTokenId(), c.eosTokenIds());
        CausalLM m = ModelInit.create(untied, 5);
        HalfFineTuning h = new HalfFineTuning(m, 3, 11);
        for (int round = 0; round < 4; round++) {
            Set<String> on = h.trainableIn(round);
            int[] mlp = new int[2];
            for (int layer = 0; layer < 2; layer++) {
                String p = "model.layers." + layer + ".";
                assertEquals(2, count(on, p + "self_attn."), "round " + round + " layer " + layer + ": attention");
                mlp[layer] = count(on, p + "mlp.");
                assertEquals(1, count(on, p + "input_layernorm") + count(on, p + "post_attention_layernorm"), "norms");
            }
            assertEquals(3, mlp[0] + mlp[1], "round " + round + ": the two blocks' MLPs train 3 of 6 matrices");
            int outside = count(on, "model.embed_tokens") + count(on, "model.norm") + count(on, "lm_head");
            // odd groups j = 0 (block 0 MLP), 1 (block 1 MLP), 2 (outside) round up when j + round is even
            assertEquals(round % 2 == 0 ? 2 : 1, outside, "round " + round + ": the outside group rounds the other way every round");
        }
        assertEquals(h.trainableIn(2), new HalfFineTuning(m, 3, 11).trainableIn(2), "a function of (seed, round): a resumed run picks the same");
        Set<Set<String>> distinct = new HashSet<>();
        for (int round = 0; round < 6; round++) distinct.add(h.trainableIn(round));
        assertTrue(distinct.size() > 1, "rounds choose different halves");
        assertEquals(0, h.roundOf(2));
        assertEquals(1, h.roundOf(3));
    }

    @Test
    void hftKeepsQwen3NormsWithTheirProjectionAndGpt2BiasesWithTheirWeight() {
        List<List<List<String>>> qwen3 = HalfFineTuning.groups(tiny("qwen3").parameters().keySet());
        assertTrue(qwen3.get(0).contains(List.of("model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_norm.weight")), qwen3.get(0).toString());
        List<List<List<String>>> gpt2 = HalfFineTuning.groups(tiny("gpt2").parameters().keySet());
        assertEquals(List.of(List.of("transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias"),
                List.of("transformer.h.0.attn.c_proj.weight", "transformer.h.0.attn.c_proj.bias")), gpt2.get(0));
        assertEquals(List.of(List.of("transformer.h.0.ln_1.weight", "transformer.h.0.ln_1.bias"),
                List.of("transformer.h.0.ln_2.weight", "transformer.h.0.ln_2.bias")), gpt2.get(2));
        assertEquals(List.of(List.of("transformer.wte.weight"), List.of("transformer.wpe.weight"),
                List.of("transformer.ln_f.weight", "transformer.ln_f.bias")), gpt2.getLast());
    }

    /**
     * A real run (AdamW with weight decay, rounds of one step): before every step, each tensor
     * frozen in the previous step is bit for bit what it was before that step (no decay, no stale
     * moments), and each trained one moved. The saved model folder reproduces the trained logits.
     */
    @Test
    void hftFrozenTensorsNeverMoveAndTheSavedModelIsTheTrainedOne(@TempDir Path dir) {
        CausalLM model = tiny("llama");
        Trainable hft = Methods.hft(model, null, 1, 0, 3);
        Map<String, float[]> before = new HashMap<>();
        Set<String> trainedLast = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        int[] checkedFrozen = new int[1];
        Trainable.StepHook check = step -> {
            if (step > 0) {
                model.parameters().forEach((k, t) -> {
                    boolean same = java.util.Arrays.equals(before.get(k), t.data());
                    if (trainedLast.contains(k) == same) problems.add("step " + step + ": " + k + (same ? " trained but did not move" : " was frozen but moved"));
                    if (!trainedLast.contains(k)) checkedFrozen[0]++;
                });
            }
            hft.hook().beforeStep(step);
            trainedLast.clear();
            model.parameters().forEach((k, t) -> { before.put(k, t.data().clone()); if (t.requiresGrad()) trainedLast.add(k); });
        };
        Trainable checked = new Trainable(model, hft.groups(), hft.exporter(), check);
        TrainConfig cfg = TrainConfig.defaults().withOptimizer(TrainConfig.Optim.ADAMW, 1e-2, 0.1, 1.0).withBatch(2, 1).withSteps(5, 0, 0);
        new Trainer(checked, TrainData.unpacked(rows(), List.of(), 0), cfg, dir, new PrintStream(new ByteArrayOutputStream()), false).run(null);
        check.beforeStep(5);
        assertEquals(List.of(), problems);
        assertTrue(checkedFrozen[0] > 20, "frozen tensors were checked");
        Inputs in = Inputs.of(new int[] {1, 5, 9, 200, 31, 7}, 1, 6);
        try (var g = Tape.noGrad()) {
            assertArrayEquals(model.forward(in).data(), ModelLoader.load(dir, false).forward(in).data(), "saved model = trained model");
        }
    }

    private static List<TokenRow> rows() {
        List<TokenRow> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] ids = {3 + i, 40, 41 + i, 100, 7 * i + 2, 9};
            out.add(new TokenRow(ids, ids.clone(), "row " + i));
        }
        return out;
    }

    private static int count(Set<String> keys, String prefix) {
        Set<String> modules = new HashSet<>();
        for (String k : keys) if (k.startsWith(prefix)) modules.add(k.substring(0, k.lastIndexOf('.')));
        return modules.size();
    }
}
