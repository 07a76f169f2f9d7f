package dev.tailor.peft.ia3;

import dev.tailor.models.CausalLM;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.Ia3Config;
import dev.tailor.peft.ModuleSelector;
import dev.tailor.peft.PeftLinear;
import dev.tailor.peft.TensorSource;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which layers an (IA)³ adapter scales, under PEFT's keys: {@code base_model.model.<path>.ia3_l},
 * shape (out, 1), or (1, in) for a feedforward module (PEFT's {@code IA3Layer.update_layer}).
 */
public final class Ia3Plan {

    public static final String PREFIX = "base_model.model.";

    private Ia3Plan() {}

    public static Map<String, PeftLinear> layers(CausalLM model, Ia3Config c, TensorSource src) {
        Map<String, PeftLinear> out = new LinkedHashMap<>();
        List<String> paths = new ArrayList<>();
        for (LinearSlot s : model.linears()) {
            paths.add(s.path());
            if (!ModuleSelector.selects(c.targetModules(), c.excludeModules(), List.of(), List.of(), s.path(), model.headPath())) continue;
            LinearLayer held = s.get();
            if (!(held instanceof Linear base)) throw new IllegalStateException("module '" + s.path() + "' already holds " + held + "; apply one adapter method per base model");
            boolean ff = c.feedforward(s.path());
            int[] dims = ff ? new int[] {1, base.inFeatures()} : new int[] {base.outFeatures(), 1};
            int n = dims[0] * dims[1];
            String key = PREFIX + s.path() + ".ia3_l";
            Tensor l = src.take(key, dims, c.initIa3Weights() ? TensorSource.constant(n, 1f) : TensorSource.gaussian(n, 1.0));
            out.put(s.path(), new Ia3Linear(base, l, ff, key));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("(IA)3 target_modules " + c.targetModules() + " match no linear layer of the model; its linear layers are "
                    + paths.subList(0, Math.min(8, paths.size())) + (paths.size() > 8 ? " ..." : ""));
        }
        return out;
    }
}
