package dev.tailor.peft;

import dev.tailor.models.CausalLM;
import dev.tailor.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Named adapters attached to one base model. The base model itself runs them: its forward uses
 * the active adapter, or none (the base exactly) after {@link #disable()}. Base weights never
 * change; only the tensors in {@link #trainable()} train.
 */
public interface PeftModel {

    /** The model the adapters are attached to. */
    CausalLM model();

    /** Adapter names in the order attached. */
    List<String> adapterNames();

    /** The active adapter's name, or null when disabled. */
    String active();

    /** Makes {@code name} the adapter every forward uses (no reload). */
    void setActive(String name);

    /** Runs the base model alone until {@link #setActive} is called again. */
    void disable();

    PeftConfig config(String name);

    /** The active adapter's trainable tensors by the key they are saved under. */
    Map<String, Tensor> trainable();

    /** The active adapter's trainable tensors grouped by learning-rate scale (LoRA+). */
    List<ParamGroup> paramGroups();

    /** Writes the active adapter in PEFT's layout: adapter_config.json and adapter_model.safetensors. */
    void save(Path dir);

    /** Folds the active adapter into the weights it adapts (faster inference; the output is unchanged). */
    void merge();

    /** Undoes {@link #merge()} exactly. */
    void unmerge();

    /** Every weight of the model with the active adapter folded in, for writing a plain checkpoint. */
    MergedWeights mergedWeights();

    /**
     * @param tensors checkpoint key -> tensor, in the base's dtypes (quantised weights as BF16)
     * @param untied  the head no longer equals the token embedding (a tied checkpoint gets its own lm_head.weight)
     */
    record MergedWeights(Map<String, Tensor> tensors, boolean untied) {}
}
