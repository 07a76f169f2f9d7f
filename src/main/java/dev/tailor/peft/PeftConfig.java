package dev.tailor.peft;

/**
 * A parameter-efficient fine-tuning method and its settings, as PEFT's {@code adapter_config.json}
 * describes it. Each method is one record here; {@link Adapters} applies a config with one
 * {@code switch} over this sealed type.
 */
public sealed interface PeftConfig permits LoraConfig, BottleneckConfig, Ia3Config, BitFitConfig,
        PromptTuningConfig, PrefixTuningConfig {

    /** PEFT's {@code peft_type}, e.g. {@code LORA}. */
    String peftType();
}
