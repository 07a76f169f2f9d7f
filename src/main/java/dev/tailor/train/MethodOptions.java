package dev.tailor.train;

import dev.tailor.peft.BottleneckConfig;
import dev.tailor.peft.LoraConfig;
import dev.tailor.peft.Targets;

import java.util.List;

/**
 * The settings of every fine-tuning method, flat; {@link Methods#prepare} hands each method the
 * ones it uses.
 *
 * @param lora                  lora, dora, qlora
 * @param adapter               adapter: placement, bottleneck width (0 = hidden/16), nonlinearity
 * @param targets               ia3 and bitfit target_modules; null = the method's default (IA3: PEFT's per architecture; BitFit: all-linear)
 * @param feedforward           ia3 feedforward_modules; null = PEFT's default for the architecture
 * @param freezeTrainableLayers freeze: the last k blocks train (k > 0), or the first |k| (k < 0)
 * @param freezeTrainableModules freeze: modules inside those blocks ("all" or names)
 * @param hftRoundSteps         hft: steps per round of the trainable half (0 = one choice for the whole run)
 * @param noisyTune             NoisyTune λ (0 = off), for methods that train pretrained tensors
 * @param seed                  adapter initialisation, HFT's choices and NoisyTune's noise
 * @param prompts               prompt, prefix, ptuning-v2 and mezo settings
 */
public record MethodOptions(LoraConfig lora, BottleneckConfig adapter, Targets targets, Targets feedforward,
                            int freezeTrainableLayers, List<String> freezeTrainableModules, int hftRoundSteps,
                            double noisyTune, long seed, PromptOptions prompts) {

    public MethodOptions {
        freezeTrainableModules = List.copyOf(freezeTrainableModules);
        if (prompts == null) prompts = PromptOptions.defaults();
        if (!(noisyTune >= 0) || Double.isInfinite(noisyTune)) throw new IllegalArgumentException("--noisytune must be a finite number >= 0, got " + noisyTune);
    }

    /** LoRA r 16, alpha 32 on all-linear; Houlsby adapters; LLaMA-Factory's freeze defaults (last 2 blocks, all modules); one HFT round; no noise. */
    public static MethodOptions defaults() {
        return new MethodOptions(LoraConfig.of(16, 32, new Targets.AllLinear()), BottleneckConfig.of(BottleneckConfig.Type.HOULSBY), null, null,
                2, List.of("all"), 0, 0, 0, PromptOptions.defaults());
    }

    public MethodOptions withLora(LoraConfig l) {
        return new MethodOptions(l, adapter, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, noisyTune, seed, prompts);
    }

    public MethodOptions withAdapter(BottleneckConfig a) {
        return new MethodOptions(lora, a, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, noisyTune, seed, prompts);
    }

    public MethodOptions withTargets(Targets t, Targets ff) {
        return new MethodOptions(lora, adapter, t, ff, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, noisyTune, seed, prompts);
    }

    public MethodOptions withFreeze(int layers, List<String> modules) {
        return new MethodOptions(lora, adapter, targets, feedforward, layers, modules, hftRoundSteps, noisyTune, seed, prompts);
    }

    public MethodOptions withHftRoundSteps(int steps) {
        return new MethodOptions(lora, adapter, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, steps, noisyTune, seed, prompts);
    }

    public MethodOptions withNoisyTune(double lambda) {
        return new MethodOptions(lora, adapter, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, lambda, seed, prompts);
    }

    public MethodOptions withSeed(long s) {
        return new MethodOptions(lora, adapter, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, noisyTune, s, prompts);
    }

    public MethodOptions withPrompts(PromptOptions p) {
        return new MethodOptions(lora, adapter, targets, feedforward, freezeTrainableLayers, freezeTrainableModules, hftRoundSteps, noisyTune, seed, p);
    }
}
