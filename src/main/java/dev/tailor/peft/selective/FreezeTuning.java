package dev.tailor.peft.selective;

import dev.tailor.models.CausalLM;
import dev.tailor.peft.ModuleSelector;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Freeze tuning, as LLaMA-Factory's {@code finetuning_type: freeze}: the pretrained tensors of a few
 * blocks train in place and everything else stays frozen. {@code freeze_trainable_layers} k picks
 * the last k blocks (k > 0) or the first |k| (k < 0); {@code freeze_trainable_modules} narrows them
 * to modules inside those blocks ("all", or names such as {@code mlp}, {@code self_attn},
 * {@code mlp.down_proj}: a name matches a tensor whose path inside the block contains its
 * components in a row).
 */
public final class FreezeTuning {

    public static final String ALL = "all";

    private FreezeTuning() {}

    /** The tensors that train, by checkpoint key, in model order. */
    public static Map<String, Tensor> select(CausalLM model, int trainableLayers, List<String> modules) {
        int n = model.config().numLayers();
        if (trainableLayers == 0 || Math.abs(trainableLayers) > n) {
            throw new IllegalArgumentException("--freeze-trainable-layers must be between -" + n + " and " + n + " and not 0 (the model has " + n
                    + " layers; k > 0 trains the last k, k < 0 the first |k|), got " + trainableLayers);
        }
        int from = trainableLayers > 0 ? n - trainableLayers : 0, to = trainableLayers > 0 ? n : -trainableLayers;
        boolean all = modules.isEmpty() || modules.equals(List.of(ALL));
        Map<String, Tensor> out = new LinkedHashMap<>();
        Set<String> matchedNames = new LinkedHashSet<>(), available = new LinkedHashSet<>();
        model.parameters().forEach((key, t) -> {
            Integer layer = ModuleSelector.layerIndex(key, List.of());
            if (layer == null || layer < from || layer >= to) return;
            String inBlock = inBlock(key, layer);
            available.add(inBlock.substring(0, Math.max(0, inBlock.lastIndexOf('.'))));
            for (String m : modules) {
                if (all || contains(inBlock, m)) { out.put(key, t); matchedNames.add(m); }
            }
        });
        if (!all) {
            for (String m : modules) {
                if (!matchedNames.contains(m)) {
                    throw new IllegalArgumentException("--freeze-trainable-modules '" + m + "' matches no module inside blocks " + from + ".." + (to - 1)
                            + "; the modules of a block are " + available);
                }
            }
        }
        return out;
    }

    /** The key's path inside its block, e.g. {@code mlp.down_proj.weight}. */
    static String inBlock(String key, int layer) {
        String marker = "." + layer + ".";
        return key.substring(key.indexOf(marker) + marker.length());
    }

    /** Whether {@code name}'s dot-separated components occur in a row among the path's. */
    static boolean contains(String path, String name) {
        List<String> p = Arrays.asList(path.split("\\.")), q = Arrays.asList(name.split("\\."));
        return q.size() <= p.size() && java.util.Collections.indexOfSubList(p, q) >= 0;
    }

    /** Names from a comma-separated flag value; empty entries dropped. */
    public static List<String> names(String flag) {
        List<String> out = new ArrayList<>();
        for (String s : flag.split(",")) if (!s.isBlank()) out.add(s.strip());
        return out;
    }
}
