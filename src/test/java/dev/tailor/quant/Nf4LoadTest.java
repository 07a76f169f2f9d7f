package dev.tailor.quant;

import dev.tailor.autograd.Tape;
import dev.tailor.io.Checkpoint;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.LoadOptions;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelLoader;
import dev.tailor.models.WeightReader;
import dev.tailor.models.llama.LlamaModel;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Loading a model with an NF4 base: which tensors are quantised, to what, and the forward it gives. */
class Nf4LoadTest {

    static Path model(String name) {
        try {
            return Path.of(Nf4LoadTest.class.getResource("/golden/" + name + "/model/config.json").toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test void qwen2BlockLinearsAreNf4AndEverythingElseIsKept() {
        Path dir = model("qwen2");
        Map<String, Tensor> nf4 = ModelLoader.load(dir, LoadOptions.NF4).parameters();
        Map<String, Tensor> plain = ModelLoader.load(dir, LoadOptions.FROZEN).parameters();
        assertEquals(plain.keySet(), nf4.keySet());
        Set<String> quantised = new TreeSet<>();
        for (var e : nf4.entrySet()) {
            Tensor t = e.getValue(), original = plain.get(e.getKey());
            assertEquals(original.shape(), t.shape(), e.getKey());
            if (t.dtype() == DType.NF4) {
                quantised.add(e.getKey());
                float[] expected = Nf4Storage.quantise(original).copy().data();
                assertArrayEquals(expected, t.copy().data(), e.getKey() + " equals its quantisation");
            } else {
                assertEquals(original.dtype(), t.dtype(), e.getKey());
                assertArrayEquals(original.copy().data(), t.copy().data(), e.getKey() + " is unchanged");
            }
            assertFalse(t.requiresGrad(), e.getKey() + " is frozen");
        }
        Set<String> expected = new TreeSet<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String p : new String[] {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
                expected.add("model.layers." + layer + "." + p + ".weight");
            }
        }
        assertEquals(expected, quantised, "the block linears, not embeddings, norms, biases or the (tied) head");
    }

    @Test void gpt2Conv1dWeightsAreQuantisedToo() {
        Map<String, Tensor> nf4 = ModelLoader.load(model("gpt2"), LoadOptions.NF4).parameters();
        Set<String> quantised = new TreeSet<>();
        nf4.forEach((k, t) -> { if (t.dtype() == DType.NF4) quantised.add(k); });
        Set<String> expected = new TreeSet<>();
        for (int layer = 0; layer < 2; layer++) {
            for (String p : new String[] {"attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"}) expected.add("transformer.h." + layer + "." + p + ".weight");
        }
        assertEquals(expected, quantised);
    }

    /**
     * The NF4 model's logits against a float32 model holding the dequantised weights (built by a
     * reader that dequantises the same tensors): the kernels see the same floats, so the logits
     * agree to float32 rounding of a few-layer forward (1e-5 absolute on logits of order 1).
     */
    @Test void nf4ForwardEqualsForwardOverDequantisedWeights() {
        Path dir = model("qwen2");
        CausalLM nf4 = ModelLoader.load(dir, LoadOptions.NF4);
        ModelConfig config = ModelConfig.load(dir);
        Checkpoint ckpt = Checkpoint.open(dir);
        CausalLM deq = LlamaModel.load(config, new WeightReader(ckpt.location().toString(), ckpt.names(), ckpt::tensor, "",
                (key, t) -> Nf4Base.targets(key, t) ? Nf4Storage.quantise(t).copy() : t));
        int[] ids = {3, 17, 200, 5, 99, 42, 7, 128, 255, 0};
        try (var g = Tape.noGrad()) {
            float[] a = nf4.forward(Inputs.of(ids, 2, 5)).data(), b = deq.forward(Inputs.of(ids, 2, 5)).data();
            assertEquals(b.length, a.length);
            for (int i = 0; i < a.length; i++) assertEquals(b[i], a[i], 1e-5, "logit " + i);
        }
    }

    @Test void trainableNf4IsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LoadOptions(true, true));
        assertTrue(e.getMessage().contains("exclude"), e.getMessage());
    }
}
