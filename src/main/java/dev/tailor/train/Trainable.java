package dev.tailor.train;

import dev.tailor.peft.ParamGroup;
import dev.tailor.models.CausalLM;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * What a fine-tuning method hands the trainer: the model (with the method applied), its trainable
 * tensors in groups, and how to write the result in the method's own layout.
 *
 * @param model    the model to train; only tensors of {@code groups} get updated
 * @param groups   the trainable tensors; every other tensor stays frozen
 * @param exporter writes the trained result (full: model.safetensors + config.json; an adapter: its PEFT files)
 * @param step     the method's own update in place of backpropagation and the optimizer (MeZO), or null
 */
public record Trainable(CausalLM model, List<ParamGroup> groups, Exporter exporter, StepFunction step) {

    /** A method trained by backpropagation and the configured optimizer. */
    public Trainable(CausalLM model, List<ParamGroup> groups, Exporter exporter) { this(model, groups, exporter, null); }

    /** The same method updated by {@code step} instead. */
    public Trainable withStep(StepFunction step) { return new Trainable(model, groups, exporter, step); }

    /** Writes the trained result into a folder. */
    @FunctionalInterface
    public interface Exporter { void save(Path dir) throws IOException; }

    public Trainable {
        groups = List.copyOf(groups);
        if (groups.stream().allMatch(g -> g.params().isEmpty())) throw new IllegalArgumentException("the method left no tensor trainable");
    }
}
