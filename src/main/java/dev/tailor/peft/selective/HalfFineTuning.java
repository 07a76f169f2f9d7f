package dev.tailor.peft.selective;

import dev.tailor.models.CausalLM;
import dev.tailor.peft.ModuleSelector;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Half Fine-Tuning (Hui et al. 2024): in every round, half of the pretrained tensors train and the
 * other half stay frozen at their current values, chosen at the category level. The exact rule:
 * <ul>
 *   <li>Each block has three groups: its attention projections (Llama q/k/v/o; GPT-2 c_attn, c_proj;
 *       Qwen3's q_norm/k_norm go with q_proj/k_proj), its MLP projections (gate/up/down; c_fc, c_proj)
 *       and its norms (input/post-attention; ln_1, ln_2). A unit is one module: weight and bias together.</li>
 *   <li>The tensors outside the blocks (token and position embeddings, final norm, untied head) form one more group.</li>
 *   <li>From a group of n units, n/2 train; when n is odd, odd-sized groups take turns rounding up and
 *       down (j-th odd group rounds up when j + round is even), so the model's count stays half. Which
 *       units is a seeded shuffle of (seed, round, group).</li>
 * </ul>
 * A round lasts {@code roundSteps} optimizer steps (0 = the whole run, the paper's one choice per
 * training stage). The choice is a function of (seed, round) alone, so a resumed run picks the same.
 */
public final class HalfFineTuning {

    private final Map<String, Tensor> tensors;      // every pretrained tensor, by key
    private final List<List<List<String>>> groups;  // group -> units -> keys
    private final int roundSteps;
    private final long seed;
    private int round = -1;                          // the round whose choice is applied

    public HalfFineTuning(CausalLM model, int roundSteps, long seed) {
        if (roundSteps < 0) throw new IllegalArgumentException("--hft-round-steps must be >= 0 (0 = one choice for the whole run), got " + roundSteps);
        this.tensors = new LinkedHashMap<>(model.parameters());
        this.groups = groups(tensors.keySet());
        this.roundSteps = roundSteps;
        this.seed = seed;
    }

    /** Every tensor HFT may train, by key. */
    public Map<String, Tensor> candidates() { return java.util.Collections.unmodifiableMap(tensors); }

    /** The round that step {@code step} (0-based) belongs to. */
    public int roundOf(int step) { return roundSteps == 0 ? 0 : step / roundSteps; }

    /** The keys that train in {@code round}. */
    public Set<String> trainableIn(int round) {
        Set<String> out = new HashSet<>();
        int odd = 0;
        for (int g = 0; g < groups.size(); g++) {
            List<List<String>> units = new ArrayList<>(groups.get(g));
            int n = units.size(), k = n / 2;
            if (n % 2 == 1 && (odd++ + round) % 2 == 0) k++;
            SplittableRandom r = new SplittableRandom(mix(mix(seed, round), g));
            for (int i = n - 1; i > 0; i--) java.util.Collections.swap(units, i, r.nextInt(i + 1)); // Fisher-Yates
            for (List<String> unit : units.subList(0, k)) out.addAll(unit);
        }
        return out;
    }

    /** Applies the choice of the round {@code step} is in, when it differs from the applied one. */
    public void beforeStep(int step) {
        int r = roundOf(step);
        if (r == round) return;
        Set<String> on = trainableIn(r);
        tensors.forEach((key, t) -> {
            boolean train = on.contains(key);
            t.requiresGrad(train);
            if (!train) t.dropGrad(); // no gradient: the optimizer skips it, moments and decay included
        });
        round = r;
    }

    /** Blocks' attention, MLP and norm groups in block order, then the group outside the blocks. */
    static List<List<List<String>>> groups(Set<String> keys) {
        Map<String, Map<String, List<String>>> byGroup = new LinkedHashMap<>(); // group id -> unit -> keys
        Map<String, List<String>> outside = new LinkedHashMap<>();
        for (String key : keys) {
            Integer layer = ModuleSelector.layerIndex(key, List.of());
            String module = key.substring(0, key.lastIndexOf('.'));
            if (layer == null) { outside.computeIfAbsent(module, m -> new ArrayList<>()).add(key); continue; }
            String inBlock = FreezeTuning.inBlock(key, layer);
            String category = inBlock.startsWith("self_attn.") || inBlock.startsWith("attn.") ? "attention"
                    : inBlock.startsWith("mlp.") ? "mlp" : "norms";
            String unit = category.equals("attention") && module.endsWith("_norm") ? module.substring(0, module.length() - 5) + "_proj" : module;
            for (String c : List.of("attention", "mlp", "norms")) byGroup.computeIfAbsent(layer + "/" + c, x -> new LinkedHashMap<>());
            byGroup.get(layer + "/" + category).computeIfAbsent(unit, u -> new ArrayList<>()).add(key);
        }
        List<List<List<String>>> out = new ArrayList<>();
        for (Map<String, List<String>> g : byGroup.values()) if (!g.isEmpty()) out.add(new ArrayList<>(g.values()));
        if (!outside.isEmpty()) out.add(new ArrayList<>(outside.values()));
        return out;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }
}
