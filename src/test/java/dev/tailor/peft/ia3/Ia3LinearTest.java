package dev.tailor.peft.ia3;

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
import dev.tailor.peft.Ia3Config;
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

class Ia3LinearTest {

    // W = [[1,2,3],[4,5,6]] (out 2, in 3), b = (0.5, -1), x = (1, 0, -1): W x + b = (-1.5, -3).
    static final float[] W = {1, 2, 3, 4, 5, 6}, WT = {1, 4, 2, 5, 3, 6}, B = {0.5f, -1f}, X = {1, 0, -1};

    static Linear base(WeightLayout layout) {
        return new Linear(layout == WeightLayout.OUT_IN ? Tensor.of(W.clone(), 2, 3) : Tensor.of(WT.clone(), 3, 2), Tensor.of(B.clone(), 2), layout);
    }

    /** By hand: output scaling l = (2, -1) gives (-3, 3); input scaling l = (1, 2, 3) gives W (1, 0, -3) + b = (-7.5, -15). */
    @Test
    void scalesOutputsOrInputsAndFoldsIntoTheWeightForBothLayouts() {
        for (WeightLayout layout : WeightLayout.values()) {
            Ia3Linear out = new Ia3Linear(base(layout), Tensor.of(new float[] {2, -1}, 2, 1), false, "k");
            Ia3Linear in = new Ia3Linear(base(layout), Tensor.of(new float[] {1, 2, 3}, 1, 3), true, "k");
            try (var g = Tape.noGrad()) {
                assertArrayEquals(new float[] {-3, 3}, out.forward(Tensor.of(X, 1, 3)).data(), layout + " output scaling");
                assertArrayEquals(new float[] {-7.5f, -15}, in.forward(Tensor.of(X, 1, 3)).data(), layout + " input scaling");
            }
            // Folded: rows (outputs) scaled by (2, -1) and the bias too; or columns (inputs) by (1, 2, 3), bias unchanged.
            float[] rows = {2, 4, 6, -4, -5, -6}, cols = {1, 4, 9, 4, 10, 18};
            assertArrayEquals(layout == WeightLayout.OUT_IN ? rows : transpose(rows), out.folded().weight().data(), layout + " folded rows");
            assertArrayEquals(new float[] {1, 1}, out.folded().bias().data());
            assertArrayEquals(layout == WeightLayout.OUT_IN ? cols : transpose(cols), in.folded().weight().data(), layout + " folded columns");
            assertArrayEquals(B, in.folded().bias().data());
        }
    }

    private static float[] transpose(float[] twoByThree) {
        float[] t = new float[6];
        for (int r = 0; r < 2; r++) for (int c = 0; c < 3; c++) t[c * 2 + r] = twoByThree[r * 3 + c];
        return t;
    }

    /**
     * Gradients of x and l against central differences at odd sizes; y is bilinear in (x, l), so a
     * step of 1e-2 has no truncation error and float32 rounding over a 257-term dot product stays
     * well within 1e-3 of the largest gradient.
     */
    @Test
    void gradientsAgreeWithFiniteDifferencesAtOddSizes() {
        int[][] sizes = {{7, 33}, {33, 7}, {257, 7}};
        for (int[] s : sizes) {
            for (boolean ff : new boolean[] {false, true}) {
                for (WeightLayout layout : WeightLayout.values()) {
                    int in = s[0], out = s[1];
                    int[] wd = layout == WeightLayout.OUT_IN ? new int[] {out, in} : new int[] {in, out};
                    Linear base = new Linear(Tensor.of(uniform(1, in * out, -0.5f, 0.5f), wd), Tensor.of(uniform(2, out, -1, 1), out), layout);
                    int n = ff ? in : out;
                    Tensor l = Tensor.of(uniform(3, n, 0.5f, 1.5f), ff ? new int[] {1, n} : new int[] {n, 1}).requiresGrad(true);
                    Tensor x = Tensor.of(uniform(4, 3 * in, -1, 1), 3, in).requiresGrad(true);
                    Ia3Linear layer = new Ia3Linear(base, l, ff, "k");
                    GradCheck.check("ia3 " + in + "x" + out + (ff ? " ff " : " ") + layout, 1e-2, 1e-3, () -> layer.forward(x), x, l);
                }
            }
        }
    }

    /** PEFT's layout: keys base_model.model.<path>.ia3_l, (out, 1) for k/v, (1, in) for down_proj; the config as PEFT writes it. */
    @Test
    void savesInPeftsLayout(@TempDir Path dir) throws Exception {
        CausalLM model = ModelInit.create(Presets.config("llama", "tiny", DType.F32), 3); // C 64, 2 kv heads of 16, I 172
        PeftModel peft = Adapters.apply(model, Ia3Config.defaultsFor("llama"), "default", 0);
        peft.save(dir);
        SafetensorsFile f = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
        assertEquals(6, f.names().size());
        assertEquals(Shape.of(32, 1), f.info("base_model.model.model.layers.0.self_attn.k_proj.ia3_l").shape());
        assertEquals(Shape.of(32, 1), f.info("base_model.model.model.layers.1.self_attn.v_proj.ia3_l").shape());
        assertEquals(Shape.of(1, 172), f.info("base_model.model.model.layers.1.mlp.down_proj.ia3_l").shape());
        for (float v : f.floats("base_model.model.model.layers.1.mlp.down_proj.ia3_l")) assertEquals(1f, v);
        var json = new JsonMapper().readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertEquals(List.of("auto_mapping", "base_model_name_or_path", "exclude_modules", "fan_in_fan_out", "feedforward_modules", "inference_mode",
                "init_ia3_weights", "modules_to_save", "peft_type", "revision", "target_modules", "task_type"), fields(json));
        assertEquals("IA3", json.get("peft_type").asText());
        assertEquals("[\"k_proj\",\"v_proj\",\"down_proj\"]", json.get("target_modules").toString());
        assertEquals("[\"down_proj\"]", json.get("feedforward_modules").toString());
        assertFalse(json.get("fan_in_fan_out").asBoolean());
    }

    @Test
    void feedforwardModulesMustBeTargets() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Ia3Config(new dev.tailor.peft.Targets.Names(List.of("k_proj")),
                new dev.tailor.peft.Targets.Names(List.of("down_proj")), null, true));
        assertEquals("feedforward_modules [down_proj] must be a subset of target_modules [k_proj]", e.getMessage());
    }

    /** A BF16 base merges into BF16 weights, as the merged checkpoint keeps the base's dtype (-6 is exact in BF16). */
    @Test
    void foldingKeepsTheBaseDtype() {
        Tensor w = dev.tailor.peft.Narrow.to(W.clone(), DType.BF16, 2, 3);
        Ia3Linear l = new Ia3Linear(new Linear(w, null, WeightLayout.OUT_IN), Tensor.of(new float[] {2, -1}, 2, 1), false, "k");
        assertEquals(DType.BF16, l.folded().weight().dtype());
        assertEquals(-6f, l.folded().weight().get(5));
    }

    private static List<String> fields(com.fasterxml.jackson.databind.JsonNode n) {
        List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
