package dev.tailor.models;

import dev.tailor.io.Checkpoint;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.TensorEntry;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** Loading refuses checkpoints that do not fit the config, naming the tensor; init-model round-trips. */
class ModelLoaderTest {

    static Path llama() throws Exception {
        return Path.of(ModelLoaderTest.class.getResource("/golden/llama/model/config.json").toURI()).getParent();
    }

    /** A copy of the llama fixture whose tensor list went through {@code edit}. */
    static Path edited(Path tmp, UnaryOperator<List<TensorEntry>> edit) throws Exception {
        Path src = llama();
        SafetensorsFile f = SafetensorsFile.open(src.resolve("model.safetensors"));
        List<TensorEntry> entries = new ArrayList<>();
        for (String n : f.names()) entries.add(TensorEntry.of(n, f.tensor(n)));
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Checkpoint.write(dir, edit.apply(entries), Map.of());
        return dir;
    }

    @Test
    void aMissingTensorIsNamedWithItsExpectedShape(@TempDir Path tmp) throws Exception {
        Path dir = edited(tmp, es -> { es.removeIf(e -> e.name().equals("model.layers.1.mlp.up_proj.weight")); return es; });
        var e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(dir, false));
        assertTrue(e.getMessage().contains("tensor 'model.layers.1.mlp.up_proj.weight' is missing (expected shape [172, 64])"), e.getMessage());
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = edited(tmp, es -> {
            es.replaceAll(e -> e.name().equals("model.norm.weight") ? TensorEntry.of(e.name(), Tensor.zeros(63)) : e);
            return es;
        });
        var e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(dir, false));
        assertTrue(e.getMessage().contains("tensor 'model.norm.weight' has shape [63], expected [64]"), e.getMessage());
    }

    @Test
    void anUnusedTensorIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = edited(tmp, es -> { es.add(TensorEntry.of("model.layers.7.extra.weight", Tensor.zeros(2))); return es; });
        var e = assertThrows(IllegalArgumentException.class, () -> ModelLoader.load(dir, false));
        assertTrue(e.getMessage().contains("1 tensor(s) not used by the model: model.layers.7.extra.weight"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"llama", "qwen2", "qwen3", "gpt2"})
    void initModelWritesACheckpointThatLoadsBackIdentically(String arch, @TempDir Path tmp) {
        ModelConfig config = Presets.config(arch, "tiny", dev.tailor.tensor.DType.F32);
        CausalLM made = ModelInit.create(config, 7);
        ModelInit.write(made, tmp);
        CausalLM loaded = ModelLoader.load(tmp, false);
        assertEquals(config.modelType(), loaded.config().modelType());
        assertEquals(made.parameters().keySet(), loaded.parameters().keySet());
        for (var e : made.parameters().entrySet()) {
            Tensor a = e.getValue(), b = loaded.parameters().get(e.getKey());
            for (int i = 0; i < a.size(); i++) assertEquals(a.get(i), b.get(i), e.getKey() + "[" + i + "]");
        }
        var in = Inputs.of(new int[] {1, 2, 3, 4, 5, 6}, 2, 3);
        try (var g = dev.tailor.autograd.Tape.noGrad()) {
            assertArrayEquals(made.forward(in).data(), loaded.forward(in).data());
        }
    }

    @Test
    void bf16InitRoundsToBf16AndNormsStartAtOne(@TempDir Path tmp) {
        CausalLM made = ModelInit.create(Presets.config("llama", "tiny", dev.tailor.tensor.DType.BF16), 1);
        ModelInit.write(made, tmp);
        CausalLM loaded = ModelLoader.load(tmp, false);
        Tensor norm = loaded.parameters().get("model.norm.weight");
        assertEquals(dev.tailor.tensor.DType.BF16, norm.dtype());
        for (int i = 0; i < norm.size(); i++) assertEquals(1f, norm.get(i));
        Tensor q = loaded.parameters().get("model.layers.0.self_attn.q_proj.weight");
        double sumSq = 0;
        for (int i = 0; i < q.size(); i++) sumSq += q.get(i) * q.get(i);
        assertEquals(0.02, Math.sqrt(sumSq / q.size()), 0.002, "weights are drawn from N(0, 0.02^2)");
    }
}
