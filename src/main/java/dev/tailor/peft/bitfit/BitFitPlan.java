package dev.tailor.peft.bitfit;

import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.nn.LinearSlot;
import dev.tailor.peft.BitFitConfig;
import dev.tailor.peft.ModuleSelector;
import dev.tailor.peft.PeftLinear;
import dev.tailor.peft.TensorSource;
import dev.tailor.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The biases BitFit trains: every selected linear layer that has one, each a float32 copy of the
 * base's bias saved under {@code base_model.model.<path>.bias}. Norm biases (GPT-2's ln_1, ln_2,
 * ln_f) are not reachable through the model's linear slots and stay frozen.
 */
public final class BitFitPlan {

    public static final String PREFIX = "base_model.model.";

    private BitFitPlan() {}

    public static Map<String, PeftLinear> layers(CausalLM model, BitFitConfig c, TensorSource src) {
        Map<String, PeftLinear> out = new LinkedHashMap<>();
        for (LinearSlot s : model.linears()) {
            if (!ModuleSelector.selects(c.targetModules(), null, List.of(), List.of(), s.path(), model.headPath())) continue;
            LinearLayer held = s.get();
            if (!(held instanceof Linear base)) throw new IllegalStateException("module '" + s.path() + "' already holds " + held + "; apply one adapter method per base model");
            if (base.bias() == null) continue;
            String key = PREFIX + s.path() + ".bias";
            Tensor original = base.bias();
            Tensor bias = src.take(key, new int[] {base.outFeatures()}, r -> original.copy().data());
            out.put(s.path(), new BiasLinear(base, bias, key));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(noBiases(model.config(), c));
        return out;
    }

    private static String noBiases(ModelConfig m, BitFitConfig c) {
        return "BitFit trains bias terms, but no linear layer selected by " + c.targetModules() + " in this " + m.modelType() + " model has a bias"
                + " (config.json: attention_bias = " + m.attentionBias() + ", mlp_bias = " + m.mlpBias() + ")"
                + "; use a model with biases (e.g. Qwen2, GPT-2) or another method";
    }
}
