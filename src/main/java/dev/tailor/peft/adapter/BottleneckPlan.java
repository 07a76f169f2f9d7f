package dev.tailor.peft.adapter;

import dev.tailor.models.CausalLM;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.BottleneckConfig;
import dev.tailor.peft.PeftLinear;
import dev.tailor.peft.TensorSource;
import dev.tailor.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a bottleneck adapter goes and what it starts as. Placements are the output projections of
 * each block: {@code self_attn.o_proj} / GPT-2 {@code attn.c_proj} (AdapterHub's
 * {@code attention_adapters}, mh_adapter) and {@code mlp.down_proj} / {@code mlp.c_proj}
 * ({@code output_adapters}). Saved keys follow AdapterHub:
 * {@code <block>.<attention|output>_adapters.adapters.default.adapter_down.0.weight} (m, C),
 * {@code ...adapter_down.0.bias} (m), {@code ...adapter_up.weight} (C, m), {@code ...adapter_up.bias} (C).
 *
 * <p>Initialisation is AdapterHub's "mam_adapter" (He et al. 2022): down Kaiming-uniform as
 * nn.Linear, up and both biases zero, so every adapter adds exactly zero at the start and the model
 * is the base bit for bit; the first step moves only up, which then lets down learn (as LoRA's B).
 */
public final class BottleneckPlan {

    /** The adapter-name component of the saved keys (AdapterHub names it after the adapter). */
    public static final String NAME = "default";

    private BottleneckPlan() {}

    /** The wrappers for {@code c} (size resolved) on {@code model}, tensors taken from {@code src}. */
    public static Map<String, PeftLinear> layers(CausalLM model, BottleneckConfig c, TensorSource src) {
        if (c.size() < 1) throw new IllegalArgumentException("resolve the adapter size first (BottleneckConfig.forHidden)");
        Map<String, PeftLinear> out = new LinkedHashMap<>();
        for (LinearSlot s : model.linears()) {
            String location = location(s.path(), c.type());
            if (location == null) continue;
            LinearLayer held = s.get();
            if (!(held instanceof Linear base)) throw new IllegalStateException("module '" + s.path() + "' already holds " + held + "; apply one adapter method per base model");
            String block = s.path().substring(0, s.path().length() - suffixOf(s.path()).length());
            String prefix = block + location + ".adapters." + NAME + ".";
            int hidden = base.outFeatures(), m = c.size();
            Tensor down = src.take(prefix + "adapter_down.0.weight", new int[] {m, hidden}, TensorSource.kaiming(m * hidden, hidden));
            Tensor downBias = src.take(prefix + "adapter_down.0.bias", new int[] {m}, TensorSource.zeros(m));
            Tensor up = src.take(prefix + "adapter_up.weight", new int[] {hidden, m}, TensorSource.zeros(hidden * m));
            Tensor upBias = src.take(prefix + "adapter_up.bias", new int[] {hidden}, TensorSource.zeros(hidden));
            out.put(s.path(), new BottleneckLinear(base, prefix, down, downBias, up, upBias, c.nonlinearity()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("the model has no attention or MLP output projection (self_attn.o_proj, mlp.down_proj, attn.c_proj, mlp.c_proj) for a bottleneck adapter");
        }
        return out;
    }

    private static final String[] ATTENTION_OUT = {"self_attn.o_proj", "attn.c_proj"};
    private static final String[] MLP_OUT = {"mlp.down_proj", "mlp.c_proj"};

    /** attention_adapters / output_adapters for an adapted projection, else null. */
    static String location(String path, BottleneckConfig.Type type) {
        for (String s : ATTENTION_OUT) if (type.afterAttention && path.endsWith("." + s)) return "attention_adapters";
        for (String s : MLP_OUT) if (type.afterMlp && path.endsWith("." + s)) return "output_adapters";
        return null;
    }

    /** The two path components naming the projection inside its block. */
    private static String suffixOf(String path) {
        for (String s : ATTENTION_OUT) if (path.endsWith("." + s)) return s;
        for (String s : MLP_OUT) if (path.endsWith("." + s)) return s;
        throw new IllegalArgumentException(path);
    }
}
