package dev.tailor.peft.lora;

import dev.tailor.autograd.LossOps;
import dev.tailor.autograd.Tape;
import dev.tailor.cli.Main;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.SafetensorsWriter;
import dev.tailor.io.TensorEntry;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Golden;
import dev.tailor.models.ModelLoader;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.MergedCheckpoint;
import dev.tailor.peft.ParamGroup;
import dev.tailor.peft.PeftModel;
import dev.tailor.peft.Targets;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Several adapters on one base, modules_to_save, trainable biases, LoRA+ groups, refusals, and the merge command. */
class LoraModelTest {

    static final Path LLAMA = Golden.fixture("llama");

    static Golden.Batch batch(Path fixture) {
        return Golden.Batch.of(SafetensorsFile.open(fixture.resolve("golden.safetensors")));
    }

    static float[] logits(CausalLM m, Golden.Batch b) {
        try (var g = Tape.noGrad()) {
            return m.forward(b.inputs()).data();
        }
    }

    @Test
    void severalAdaptersSwitchWithoutReloading() {
        SafetensorsFile golden = SafetensorsFile.open(LLAMA.resolve("golden.safetensors"));
        var b = batch(LLAMA);
        CausalLM model = ModelLoader.load(LLAMA.resolve("model"), false);
        LoraModel peft = LoraModel.wrap(model).load("lora", LLAMA.resolve("lora")).load("dora", LLAMA.resolve("dora"));
        assertEquals(List.of("lora", "dora"), peft.adapterNames());
        assertEquals("dora", peft.active(), "the adapter loaded last is active");
        for (int round = 0; round < 2; round++) {
            peft.setActive("lora");
            Golden.assertClose("lora active", golden.tensor("lora.logits"), logits(model, b), 1e-4);
            peft.setActive("dora");
            Golden.assertClose("dora active", golden.tensor("dora.logits"), logits(model, b), 1e-4);
            peft.disable();
            assertNull(peft.active());
            Golden.assertClose("disabled", golden.tensor("logits"), logits(model, b), 1e-4);
        }
        peft.setActive("lora");
        CausalLM single = ModelLoader.load(LLAMA.resolve("model"), false);
        Adapters.load(single, LLAMA.resolve("lora"));
        // 1e-6: see PeftContractTest.assertSameOutput (the attention kernel's rounding varies with JIT tier)
        dev.tailor.Approx.assertClose(logits(single, b), logits(model, b), 1e-6, 0, "sharing the base with another adapter changes nothing");
        peft.remove("lora");
        assertNull(peft.active());
        assertEquals(List.of("dora"), peft.adapterNames());
    }

    /** Rewrites the llama fixture's LoRA adapter with {@code edit} applied to its tensors. */
    static Path editedAdapter(Path tmp, UnaryOperator<List<TensorEntry>> edit) throws IOException {
        Path dir = tmp.resolve("edited");
        Files.createDirectories(dir);
        Files.copy(LLAMA.resolve("lora/adapter_config.json"), dir.resolve("adapter_config.json"));
        SafetensorsFile f = SafetensorsFile.open(LLAMA.resolve("lora/adapter_model.safetensors"));
        List<TensorEntry> entries = new ArrayList<>();
        for (String n : f.names()) entries.add(TensorEntry.of(n, f.tensor(n)));
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), edit.apply(entries));
        return dir;
    }

    static String refusal(Path adapter) {
        CausalLM model = ModelLoader.load(LLAMA.resolve("model"), false);
        return assertThrows(IllegalArgumentException.class, () -> Adapters.load(model, adapter)).getMessage();
    }

    @Test
    void tensorsThatDoNotFitAreRefusedByKey(@TempDir Path tmp) throws IOException {
        String unknown = "base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight";
        String msg = refusal(editedAdapter(tmp.resolve("1"), es -> { es.add(TensorEntry.floats(unknown, dev.tailor.tensor.DType.F32, new float[4 * 64], 4, 64)); return es; }));
        assertTrue(msg.contains(unknown) && msg.contains("no module"), msg);

        String a = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";
        msg = refusal(editedAdapter(tmp.resolve("2"), es -> {
            es.replaceAll(e -> e.name().equals(a) ? TensorEntry.floats(a, dev.tailor.tensor.DType.F32, new float[4 * 63], 4, 63) : e);
            return es;
        }));
        assertTrue(msg.contains(a) && msg.contains("[4, 63]") && msg.contains("[4, 64]"), msg);

        msg = refusal(editedAdapter(tmp.resolve("3"), es -> { es.removeIf(e -> e.name().equals(a)); return es; }));
        assertTrue(msg.contains(a) && msg.contains("missing"), msg);

        String head = "base_model.model.lm_head.lora_A.weight";
        msg = refusal(editedAdapter(tmp.resolve("4"), es -> { es.add(TensorEntry.floats(head, dev.tailor.tensor.DType.F32, new float[4 * 64], 4, 64)); return es; }));
        assertTrue(msg.contains(head) && msg.contains("does not select"), msg);
    }

    /**
     * modules_to_save = embed_tokens on a tied model (qwen2): a trainable copy feeds the input while
     * the head keeps the original weight; it is saved under PEFT's key, and the merged checkpoint
     * unties the head so that it reproduces the adapter.
     */
    @Test
    void aSavedEmbeddingTrainsAloneAndMergesUntied(@TempDir Path tmp) {
        Path qwen = Golden.fixture("qwen2");
        var b = batch(qwen);
        CausalLM model = ModelLoader.load(qwen.resolve("model"), false);
        assertTrue(model.config().tieWordEmbeddings());
        Tensor original = model.tokenEmbedding().get();
        float[] originalValues = original.copy().data();
        LoraConfig c = LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj", "v_proj"))).withModulesToSave(List.of("embed_tokens"));
        PeftModel peft = Adapters.apply(model, c, "e", 1);
        String key = "base_model.model.model.embed_tokens.weight";
        assertTrue(peft.trainable().containsKey(key), "saved as " + peft.trainable().keySet());
        for (int step = 0; step < 2; step++) {
            Tape.backward(model.loss(b.inputs(), b.labels(), true));
            for (Tensor t : peft.trainable().values()) {
                float[] d = t.data(), g = t.grad();
                for (int i = 0; i < d.length; i++) d[i] -= 0.5f * g[i];
                t.zeroGrad();
            }
        }
        assertArrayEquals(originalValues, original.copy().data(), "the base embedding is untouched");
        assertFalse(java.util.Arrays.equals(originalValues, peft.trainable().get(key).data()), "the copy trained");
        float[] adapted = logits(model, b);

        peft.save(tmp.resolve("adapter"));
        assertTrue(SafetensorsFile.open(tmp.resolve("adapter/adapter_model.safetensors")).contains(key));
        CausalLM reloaded = ModelLoader.load(qwen.resolve("model"), false);
        Adapters.load(reloaded, tmp.resolve("adapter"));
        dev.tailor.Approx.assertClose(adapted, logits(reloaded, b), 1e-6, 0, "saved and reloaded");

        MergedCheckpoint.write(peft, qwen.resolve("model"), tmp.resolve("merged"));
        CausalLM merged = ModelLoader.load(tmp.resolve("merged"), false);
        assertFalse(merged.config().tieWordEmbeddings(), "the merged config unties the head");
        dev.tailor.Approx.assertClose(adapted, logits(merged, b), 1e-4, 0, "merged vs adapter");
        peft.disable();
        assertSame(original, model.tokenEmbedding().get(), "disabling puts the original embedding back");
    }

    @Test
    void gpt2CannotMergeAnUntiedHead(@TempDir Path tmp) {
        Path gpt2 = Golden.fixture("gpt2");
        CausalLM model = ModelLoader.load(gpt2.resolve("model"), false);
        PeftModel peft = Adapters.apply(model, LoraConfig.of(2, 4, new Targets.Names(List.of("c_attn"))).withModulesToSave(List.of("lm_head")), "h", 1);
        var e = assertThrows(IllegalArgumentException.class, () -> MergedCheckpoint.write(peft, gpt2.resolve("model"), tmp));
        assertTrue(e.getMessage().contains("GPT-2"), e.getMessage());
    }

    @Test
    void biasSettingsChooseWhichBiasesTrain() {
        Path bias = Golden.fixture("llama-bias");
        CausalLM model = ModelLoader.load(bias.resolve("model"), false);
        LoraModel peft = LoraModel.wrap(model);
        peft.add("all", LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj"))).withBias(LoraConfig.Bias.ALL), 1);
        Map<String, Tensor> t = peft.trainable();
        assertTrue(t.containsKey("base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias"), "a wrapped layer's bias: " + t.keySet());
        assertTrue(t.containsKey("base_model.model.model.layers.0.mlp.up_proj.bias"), "an unwrapped layer's bias: " + t.keySet());
        peft.add("only", LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj"))).withBias(LoraConfig.Bias.LORA_ONLY), 1);
        assertFalse(peft.trainable().containsKey("base_model.model.model.layers.0.mlp.up_proj.bias"));
        assertTrue(peft.trainable().containsKey("base_model.model.model.layers.0.self_attn.q_proj.base_layer.bias"));

        CausalLM gpt2 = ModelLoader.load(Golden.fixture("gpt2").resolve("model"), false);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Adapters.apply(gpt2, LoraConfig.of(2, 4, new Targets.Names(List.of("c_attn"))).withBias(LoraConfig.Bias.ALL), "x", 1));
        assertTrue(e.getMessage().contains("ln_1.bias"), "GPT-2's LayerNorm biases are named: " + e.getMessage());
    }

    @Test
    void loraPlusPutsBAndOneDimensionalTensorsInTheFastGroup() {
        CausalLM model = ModelLoader.load(LLAMA.resolve("model"), false);
        PeftModel peft = Adapters.apply(model, LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj"))).withDora(true).withLoraPlusLrRatio(16), "p", 1);
        List<ParamGroup> groups = peft.paramGroups();
        assertEquals(List.of("lora_A", "lora_B"), groups.stream().map(ParamGroup::name).toList());
        assertEquals(1.0, groups.get(0).lrScale());
        assertEquals(16.0, groups.get(1).lrScale());
        Map<String, Tensor> t = peft.trainable();
        for (Map.Entry<String, Tensor> e : t.entrySet()) {
            boolean fast = e.getKey().endsWith("lora_B.weight") || e.getKey().endsWith("lora_magnitude_vector");
            assertTrue((fast ? groups.get(1) : groups.get(0)).params().contains(e.getValue()), e.getKey() + " in the right group");
        }
        assertEquals(List.of("lora"), Adapters.apply(ModelLoader.load(LLAMA.resolve("model"), false),
                LoraConfig.of(2, 4, new Targets.Names(List.of("q_proj"))), "q", 1).paramGroups().stream().map(ParamGroup::name).toList());
    }

    @Test
    void layersToTransformAndRankPatternShapeTheAdapter() {
        CausalLM model = ModelLoader.load(LLAMA.resolve("model"), false);
        LoraConfig c = new LoraConfig(4, 8, 0, false, false, LoraConfig.Bias.NONE, new Targets.AllLinear(), null, List.of(1), List.of(),
                List.of(), Map.of("down_proj", 2), Map.of(), LoraConfig.Init.KAIMING, 1);
        PeftModel peft = Adapters.apply(model, c, "x", 1);
        for (String k : peft.trainable().keySet()) assertTrue(k.contains(".layers.1."), "only layer 1: " + k);
        assertEquals(2, peft.trainable().get("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").dim(0));
        assertEquals(4, peft.trainable().get("base_model.model.model.layers.1.mlp.up_proj.lora_A.weight").dim(0));
        assertFalse(peft.trainable().keySet().stream().anyMatch(k -> k.contains("lm_head")), "all-linear leaves out the head");
    }

    @Test
    void theMergeCommandWritesALoadableModel(@TempDir Path tmp) throws IOException {
        Path model = tmp.resolve("model");
        Files.createDirectories(model);
        for (String f : new String[] {"config.json", "model.safetensors"}) Files.copy(LLAMA.resolve("model").resolve(f), model.resolve(f));
        Files.writeString(model.resolve("tokenizer_config.json"), "{\"model_max_length\": 64}");
        Files.writeString(model.resolve("chat_template.jinja"), "{{ messages }}");
        Path out = tmp.resolve("merged");
        int rc = Main.commandLine().execute("merge", "--model", model.toString(), "--adapter", LLAMA.resolve("dora").toString(), "--output", out.toString());
        assertEquals(0, rc);
        assertEquals("{{ messages }}", Files.readString(out.resolve("chat_template.jinja")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer_config.json")));
        var b = batch(LLAMA);
        float expected = SafetensorsFile.open(LLAMA.resolve("golden.safetensors")).tensor("dora.loss").get(0);
        try (var g = Tape.noGrad()) {
            float loss = LossOps.crossEntropy(ModelLoader.load(out, false).forward(b.inputs()), b.labels(), true).item();
            assertEquals(expected, loss, 1e-5 * expected);
        }
        assertEquals(1, Main.commandLine().execute("merge", "--model", model.toString(), "--adapter", LLAMA.resolve("dora").toString(),
                "--output", model.toString()), "merging into the base's own folder is refused");
    }
}
