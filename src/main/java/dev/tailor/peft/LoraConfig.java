package dev.tailor.peft;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * LoRA and its variants, with PEFT's {@code LoraConfig} field names in the comments. The adapter
 * adds {@code scale · B A x} to a targeted linear layer, A (r, in) and B (out, r), with
 * {@code scale = lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA. DoRA additionally
 * rescales each output row by a trained magnitude. QLoRA is this config over a base whose frozen
 * weights are stored as NF4: the adapter only calls the base layer and never sees the storage.
 *
 * @param r                 r: the rank
 * @param loraAlpha         lora_alpha
 * @param loraDropout       lora_dropout: dropout on the adapter's input while training
 * @param useRslora         use_rslora: scale = alpha / sqrt(r)
 * @param useDora           use_dora: weight-decomposed LoRA (a magnitude per output row)
 * @param bias              bias: which biases of the base model train with the adapter
 * @param targetModules     target_modules
 * @param excludeModules    exclude_modules: names or a regex (not all-linear), or null
 * @param layersToTransform layers_to_transform: block indices to adapt; empty = all
 * @param layersPattern     layers_pattern: the path component before the block index; empty = any
 * @param modulesToSave     modules_to_save: modules trained in full and saved with the adapter (e.g. lm_head)
 * @param rankPattern       rank_pattern: module name or regex -> r for matching modules
 * @param alphaPattern      alpha_pattern: module name or regex -> lora_alpha for matching modules
 * @param init              init_lora_weights
 * @param loraPlusLrRatio   LoRA+: lr of every B over lr of every A (1 = plain LoRA); a training
 *                          setting, not written to adapter_config.json
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, boolean useRslora, boolean useDora, Bias bias,
                         Targets targetModules, Targets excludeModules, List<Integer> layersToTransform,
                         List<String> layersPattern, List<String> modulesToSave, Map<String, Integer> rankPattern,
                         Map<String, Double> alphaPattern, Init init, double loraPlusLrRatio) implements PeftConfig {

    /** PEFT's {@code bias} setting. */
    public enum Bias {
        /** No bias trains. */
        NONE("none"),
        /** Every linear layer's bias trains. */
        ALL("all"),
        /** The biases of the adapted layers train. */
        LORA_ONLY("lora_only");

        public final String json;

        Bias(String json) { this.json = json; }

        public static Bias parse(String s) {
            for (Bias b : values()) if (b.json.equals(s)) return b;
            throw new IllegalArgumentException("bias must be one of none, all, lora_only; got '" + s + "'");
        }
    }

    /** PEFT's {@code init_lora_weights}. */
    public enum Init {
        /** true: A Kaiming-uniform as nn.Linear (a = sqrt(5)), B zero: the adapter starts as the identity. */
        KAIMING,
        /** "gaussian": A from N(0, 1/r²), B zero. */
        GAUSSIAN,
        /** false: A and B both as nn.Linear initialises them; the adapter changes the output from the start. */
        RANDOM,
        /** "eva": A from activation SVDs; only read from files (the base is untouched, so loading is exact). */
        EVA
    }

    public LoraConfig {
        if (r <= 0) throw new IllegalArgumentException("r must be positive, got " + r);
        if (!Double.isFinite(loraAlpha)) throw new IllegalArgumentException("lora_alpha must be finite, got " + loraAlpha);
        if (!(loraDropout >= 0 && loraDropout < 1)) throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
        if (!(loraPlusLrRatio > 0) || Double.isInfinite(loraPlusLrRatio)) {
            throw new IllegalArgumentException("LoRA+ lr ratio must be a positive finite number, got " + loraPlusLrRatio);
        }
        if (bias == null || targetModules == null || init == null) throw new IllegalArgumentException("bias, target_modules and init must be set");
        if (excludeModules instanceof Targets.AllLinear) throw new IllegalArgumentException("exclude_modules cannot be all-linear");
        layersToTransform = List.copyOf(layersToTransform);
        for (int i : layersToTransform) if (i < 0) throw new IllegalArgumentException("layers_to_transform has a negative index " + i);
        layersPattern = List.copyOf(layersPattern);
        modulesToSave = List.copyOf(modulesToSave);
        rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(rankPattern)); // ordered: the first match wins, as in PEFT
        alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(alphaPattern));
        rankPattern.forEach((k, v) -> {
            if (v <= 0) throw new IllegalArgumentException("rank_pattern['" + k + "'] must be positive, got " + v);
        });
    }

    /** r, alpha and targets with PEFT's defaults for everything else. */
    public static LoraConfig of(int r, double loraAlpha, Targets targets) {
        return new LoraConfig(r, loraAlpha, 0, false, false, Bias.NONE, targets, null, List.of(), List.of(), List.of(),
                Map.of(), Map.of(), Init.KAIMING, 1);
    }

    @Override public String peftType() { return "LORA"; }

    public LoraConfig withDropout(double p) {
        return new LoraConfig(r, loraAlpha, p, useRslora, useDora, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withRslora(boolean on) {
        return new LoraConfig(r, loraAlpha, loraDropout, on, useDora, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withDora(boolean on) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, on, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withBias(Bias b) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, useDora, b, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withModulesToSave(List<String> modules) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, useDora, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modules, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withLayers(List<Integer> layers, List<String> pattern) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, useDora, bias, targetModules, excludeModules, layers,
                pattern, modulesToSave, rankPattern, alphaPattern, init, loraPlusLrRatio);
    }

    public LoraConfig withInit(Init i) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, useDora, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, i, loraPlusLrRatio);
    }

    public LoraConfig withLoraPlusLrRatio(double ratio) {
        return new LoraConfig(r, loraAlpha, loraDropout, useRslora, useDora, bias, targetModules, excludeModules, layersToTransform,
                layersPattern, modulesToSave, rankPattern, alphaPattern, init, ratio);
    }

    /** The rank of the module at {@code path}: the first matching rank_pattern entry, else r. */
    public int rankFor(String path) {
        String key = patternKey(rankPattern, path);
        return key == null ? r : rankPattern.get(key);
    }

    /** lora_alpha of the module at {@code path}: the first matching alpha_pattern entry, else lora_alpha. */
    public double alphaFor(String path) {
        String key = patternKey(alphaPattern, path);
        return key == null ? loraAlpha : alphaPattern.get(key);
    }

    /** The factor on B A x for the module at {@code path}: alpha / r, or alpha / sqrt(r) with rsLoRA. */
    public float scaleFor(String path) {
        int rank = rankFor(path);
        double alpha = alphaFor(path);
        return (float) (useRslora ? alpha / Math.sqrt(rank) : alpha / rank);
    }

    /** PEFT's rule: the first key (a regex) that the path ends with after a dot, or equals. */
    private static String patternKey(Map<String, ?> patterns, String path) {
        for (String key : patterns.keySet()) {
            if (Pattern.compile("(.*\\.)?(" + key + ")").matcher(path).matches()) return key;
        }
        return null;
    }
}
