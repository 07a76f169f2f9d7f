package dev.tailor.train;

import dev.tailor.peft.PrefixTuningConfig;
import dev.tailor.peft.PromptTuningConfig;

import java.util.Locale;

/**
 * Settings of the prompt-learning methods and of MeZO (LoRA's live in LoraConfig).
 *
 * @param prompt         prompt tuning: virtual tokens and their init
 * @param prefixTokens   prefix tuning and P-tuning v2: l
 * @param prefixHidden   prefix tuning: the reparameterisation MLP's hidden width, 0 = the key width
 * @param mezoParams     MeZO: which tensors it moves
 * @param mezoEps        MeZO: ε
 * @param mezoDecay      MeZO: weight decay on matrices
 */
public record PromptOptions(PromptTuningConfig prompt, int prefixTokens, int prefixHidden, MezoParams mezoParams, double mezoEps, double mezoDecay) {

    /** The tensors MeZO perturbs and moves. */
    public enum MezoParams {
        /** Every weight of the model (loaded as float32). */
        FULL,
        /** A LoRA adapter's A and B over the frozen base. */
        LORA;

        public static MezoParams parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mezo-params must be full or lora, got '" + s + "'");
            }
        }
    }

    /** PEFT's defaults: 20 random virtual tokens; MeZO over LoRA with the paper's ε = 1e-3. */
    public static PromptOptions defaults() {
        return new PromptOptions(PromptTuningConfig.of(20, PromptTuningConfig.Init.RANDOM), 20, 0, MezoParams.LORA, 1e-3, 0);
    }

    /** Prefix tuning (with the MLP) or P-tuning v2 (without). */
    public PrefixTuningConfig prefix(boolean projection) { return new PrefixTuningConfig(prefixTokens, projection, prefixHidden); }
}
