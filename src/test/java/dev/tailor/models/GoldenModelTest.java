package dev.tailor.models;

import dev.tailor.autograd.LossOps;
import dev.tailor.autograd.Tape;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every golden fixture (computed by PyTorch with transformers' formulas in float32) against Tailor:
 * logits within 1e-4 absolute, the loss within 1e-5 relative, and every weight's gradient of a full
 * fine-tuning step within 1e-3 of the tensor's largest magnitude (DESIGN.md's tolerances: float32
 * summation order differs between the two implementations, nothing else).
 */
class GoldenModelTest {

    static Path fixture(String name) {
        try {
            return Path.of(GoldenModelTest.class.getResource("/golden/" + name + "/golden.safetensors").toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The golden batch: input_ids and labels, both (2, 17). */
    record Batch(Inputs inputs, int[] labels) {
        static Batch of(SafetensorsFile golden) {
            int[] ids = toInts(golden.longs("input_ids"));
            int[] labels = toInts(golden.longs("labels"));
            int b = golden.info("input_ids").shape().dim(0), t = golden.info("input_ids").shape().dim(1);
            return new Batch(Inputs.of(ids, b, t), labels);
        }
    }

    static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }

    static void assertClose(String what, Tensor expected, float[] actual, double tol) {
        assertNotNull(actual, what + ": no gradient was computed");
        assertEquals(expected.size(), actual.length, what + ": element count");
        double maxDiff = 0;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(expected.get(i) - actual[i]);
            if (!(d <= maxDiff)) { maxDiff = d; at = i; }
        }
        assertTrue(maxDiff <= tol, what + ": max |diff| " + maxDiff + " at " + at + " exceeds " + tol);
    }

    static double maxAbs(Tensor t) {
        double m = 0;
        for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.get(i)));
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen3", "qwen2-yarn", "gpt2", "gpt2-hubkeys", "mistral-sliding"})
    void logitsAndLossMatchTheReference(String name) {
        Path dir = fixture(name);
        {
            SafetensorsFile golden = SafetensorsFile.open(dir.resolve("golden.safetensors"));
            Batch batch = Batch.of(golden);
            CausalLM model = ModelLoader.load(dir.resolve("model"), false);
            try (var g = Tape.noGrad()) {
                Tensor logits = model.forward(batch.inputs());
                assertClose(name + " logits", golden.tensor("logits"), logits.data(), 1e-4);
                float loss = LossOps.crossEntropy(logits, batch.labels(), true).item();
                float expected = golden.tensor("loss").get(0);
                assertEquals(expected, loss, 1e-5 * Math.abs(expected), name + " loss");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "llama3-bf16", "llama-bias", "qwen2", "qwen3", "qwen2-yarn", "gpt2", "gpt2-hubkeys", "mistral-sliding"})
    void fullFineTuningGradientsMatchTheReference(String name) {
        Path dir = fixture(name);
        {
            SafetensorsFile golden = SafetensorsFile.open(dir.resolve("golden.safetensors"));
            Batch batch = Batch.of(golden);
            CausalLM model = ModelLoader.load(dir.resolve("model"), true);
            Tensor loss = LossOps.crossEntropy(model.forward(batch.inputs()), batch.labels(), true);
            Tape.backward(loss);
            Map<String, Tensor> params = model.parameters();
            int checked = 0;
            for (String key : golden.names()) {
                if (!key.startsWith("grad.")) continue;
                String param = key.substring("grad.".length());
                Tensor p = params.get(param);
                assertNotNull(p, name + ": the model has no parameter '" + param + "' (has " + params.keySet() + ")");
                Tensor expected = golden.tensor(key);
                assertClose(name + " grad of " + param, expected, p.grad(), 1e-3 * maxAbs(expected));
                checked++;
            }
            assertEquals(params.size(), checked, name + ": every parameter has a golden gradient");
        }
    }
}
