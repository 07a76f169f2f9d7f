package dev.tailor.peft;

import java.util.List;

/**
 * (IA)³ (Liu et al. 2022), as PEFT's {@code IA3Config}: a learned vector rescales the output of each
 * target layer ({@code ia3_l} of shape (out, 1)), or, for a feedforward module, its input ((1, in)):
 * for Llama the keys and values (k_proj, v_proj) and the MLP's intermediate activation (the input
 * of down_proj). Vectors start at one, so the model starts unchanged, and fold into the weight.
 *
 * @param targetModules      target_modules
 * @param feedforwardModules feedforward_modules: targets scaled on their input; names (a module
 *                           matches when its path ends with a name, as PEFT tests it) or one regex
 * @param excludeModules     exclude_modules, or null
 * @param initIa3Weights     init_ia3_weights: true = ones; false = N(0, 1), as PEFT's torch.randn
 */
public record Ia3Config(Targets targetModules, Targets feedforwardModules, Targets excludeModules, boolean initIa3Weights)
        implements PeftConfig {

    public Ia3Config {
        if (targetModules == null) throw new IllegalArgumentException("(IA)3 needs target_modules");
        if (feedforwardModules == null) feedforwardModules = new Targets.Names(List.of());
        if (feedforwardModules instanceof Targets.AllLinear) throw new IllegalArgumentException("feedforward_modules cannot be all-linear");
        if (excludeModules instanceof Targets.AllLinear) throw new IllegalArgumentException("exclude_modules cannot be all-linear");
        // PEFT's rule when both are name lists: every feedforward module must also be a target.
        if (feedforwardModules instanceof Targets.Names ff && targetModules instanceof Targets.Names t && !t.names().containsAll(ff.names())) {
            throw new IllegalArgumentException("feedforward_modules " + ff.names() + " must be a subset of target_modules " + t.names());
        }
    }

    /** PEFT's defaults for the architecture (TRANSFORMERS_MODELS_TO_IA3_TARGET_MODULES_MAPPING and its feedforward twin). */
    public static Ia3Config defaultsFor(String modelType) {
        return modelType.equals("gpt2")
                ? new Ia3Config(new Targets.Names(List.of("c_attn", "mlp.c_proj")), new Targets.Names(List.of("mlp.c_proj")), null, true)
                : new Ia3Config(new Targets.Names(List.of("k_proj", "v_proj", "down_proj")), new Targets.Names(List.of("down_proj")), null, true);
    }

    /** Whether the target at {@code path} is scaled on its input: PEFT's endswith test (no dot needed) or a full regex match. */
    public boolean feedforward(String path) {
        return switch (feedforwardModules) {
            case Targets.Names n -> n.names().stream().anyMatch(path::endsWith);
            case Targets.Regex r -> r.matches(path);
            case Targets.AllLinear a -> false;
        };
    }

    @Override public String peftType() { return "IA3"; }
}
