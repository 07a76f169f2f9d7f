package dev.tailor.peft.adapter;

import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.autograd.GradCheck;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.autograd.Tape;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.nn.Linear;
import dev.tailor.peft.Adapters;
import dev.tailor.peft.BottleneckConfig;
import dev.tailor.peft.BottleneckConfig.Nonlinearity;
import dev.tailor.peft.PeftModel;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.tailor.Approx.uniform;
import static org.junit.jupiter.api.Assertions.*;

class BottleneckLinearTest {

    /**
     * By hand, base = identity (2x2), down = [[1, 1]] + 0.5, relu, up = [[2], [3]] + (0.1, 0.2):
     * x = (1, -2): down = -0.5, relu 0, y = x + (0.1, 0.2) = (1.1, -1.8);
     * x = (3, 1): down = 4.5, y = x + (9, 13.5) + (0.1, 0.2) = (12.1, 14.7).
     */
    @Test
    void addsTheBottleneckToTheLayerOutput() {
        Linear base = new Linear(Tensor.of(new float[] {1, 0, 0, 1}, 2, 2), null, WeightLayout.OUT_IN);
        BottleneckLinear l = new BottleneckLinear(base, "p.", Tensor.of(new float[] {1, 1}, 1, 2), Tensor.of(new float[] {0.5f}, 1),
                Tensor.of(new float[] {2, 3}, 2, 1), Tensor.of(new float[] {0.1f, 0.2f}, 2), Nonlinearity.RELU);
        try (var g = Tape.noGrad()) {
            dev.tailor.Approx.assertClose(new float[] {1.1f, -1.8f, 12.1f, 14.7f}, l.forward(Tensor.of(new float[] {1, -2, 3, 1}, 2, 2)).data(),
                    1e-6, 0, "bottleneck");
        }
    }

    /**
     * Gradients of x and the four adapter tensors against central differences of step 1e-2 at odd
     * sizes, for the smooth nonlinearities (ReLU's kink would make a difference quotient straddle
     * it); tolerance 1e-2 of the largest gradient covers the h² truncation of SiLU/GELU curvature.
     */
    @Test
    void gradientsAgreeWithFiniteDifferencesAtOddSizes() {
        int[][] sizes = {{7, 33, 3}, {33, 7, 5}, {257, 33, 7}};
        for (int[] s : sizes) {
            for (Nonlinearity f : new Nonlinearity[] {Nonlinearity.SILU, Nonlinearity.GELU}) {
                int in = s[0], c = s[1], m = s[2];
                Linear base = new Linear(Tensor.of(uniform(1, c * in, -0.2f, 0.2f), in, c), Tensor.of(uniform(2, c, -1, 1), c), WeightLayout.IN_OUT);
                Tensor down = Tensor.of(uniform(3, m * c, -0.5f, 0.5f), m, c).requiresGrad(true);
                Tensor db = Tensor.of(uniform(4, m, -0.5f, 0.5f), m).requiresGrad(true);
                Tensor up = Tensor.of(uniform(5, c * m, -0.5f, 0.5f), c, m).requiresGrad(true);
                Tensor ub = Tensor.of(uniform(6, c, -0.5f, 0.5f), c).requiresGrad(true);
                Tensor x = Tensor.of(uniform(7, 3 * in, -1, 1), 3, in).requiresGrad(true);
                BottleneckLinear l = new BottleneckLinear(base, "p.", down, db, up, ub, f);
                GradCheck.check("bottleneck " + in + "/" + c + "/" + m + " " + f, 1e-2, 1e-2, () -> l.forward(x), x, down, db, up, ub);
            }
        }
    }

    /** Houlsby on Llama: after o_proj and down_proj of every block, AdapterHub keys, width hidden/16, up at zero; the config file. */
    @Test
    void houlsbyPlacesTwoAdaptersPerBlockUnderAdapterHubKeys(@TempDir Path dir) throws Exception {
        CausalLM model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 3); // hidden 64 -> width 4
        PeftModel peft = Adapters.apply(model, BottleneckConfig.of(BottleneckConfig.Type.HOULSBY), "default", 1);
        assertEquals(16, peft.trainable().size());
        peft.save(dir);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
        assertEquals(Shape.of(4, 64), f.info("model.layers.0.attention_adapters.adapters.default.adapter_down.0.weight").shape());
        assertEquals(Shape.of(64, 4), f.info("model.layers.1.output_adapters.adapters.default.adapter_up.weight").shape());
        for (float v : f.floats("model.layers.1.output_adapters.adapters.default.adapter_up.weight")) assertEquals(0f, v);
        assertEquals("{\"adapter_size\":4,\"adapter_type\":\"houlsby\",\"base_model_name_or_path\":null,\"inference_mode\":true,"
                        + "\"init_weights\":\"mam_adapter\",\"mh_adapter\":true,\"non_linearity\":\"swish\",\"output_adapter\":true,"
                        + "\"peft_type\":\"BOTTLENECK\",\"revision\":null,\"task_type\":\"CAUSAL_LM\"}",
                new JsonMapper().readTree(Files.readString(dir.resolve("adapter_config.json"))).toString());
    }

    @Test
    void pfeifferOnGpt2AdaptsOnlyTheMlpOutput() {
        CausalLM model = ModelInit.create(Presets.config("gpt2", "tiny", DType.F32), 3);
        PeftModel peft = Adapters.apply(model, new BottleneckConfig(BottleneckConfig.Type.PFEIFFER, 6, Nonlinearity.RELU), "default", 1);
        assertEquals(List.of("transformer.h.0.output_adapters.adapters.default.adapter_down.0.weight",
                "transformer.h.0.output_adapters.adapters.default.adapter_down.0.bias",
                "transformer.h.0.output_adapters.adapters.default.adapter_up.weight",
                "transformer.h.0.output_adapters.adapters.default.adapter_up.bias"), peft.trainable().keySet().stream().limit(4).toList());
        assertEquals(8, peft.trainable().size());
    }
}
