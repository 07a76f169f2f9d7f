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
 * @param hook     called before every optimizer step (Half Fine-Tuning picks its trainable half there)
 * @param step     the method's own update in place of backpropagation and the optimizer (MeZO), or null
 */
public record Trainable(CausalLM model, List<ParamGroup> groups, Exporter exporter, StepHook hook, StepFunction step) {

    /** A method trained by backpropagation and the configured optimizer, with a per-step hook. */
    public Trainable(CausalLM model, List<ParamGroup> groups, Exporter exporter, StepHook hook) { this(model, groups, exporter, hook, null); }

    /** The same method updated by {@code step} instead. */
    public Trainable withStep(StepFunction step) { return new Trainable(model, groups, exporter, hook, step); }

    /** Writes the trained result into a folder. */
    @FunctionalInterface
    public interface Exporter { void save(Path dir) throws IOException; }

    /**
     * Runs before step {@code step} (0-based) computes anything, on a fresh run and after a resume
     * alike. It may freeze tensors of the groups ({@code requiresGrad(false)}, gradient dropped) or
     * unfreeze them; the optimizer leaves a frozen tensor and its state untouched.
     */
    @FunctionalInterface
    public interface StepHook {
        StepHook NONE = step -> {};

        void beforeStep(int step);
    }

    /** A method without a per-step hook. */
    public Trainable(CausalLM model, List<ParamGroup> groups, Exporter exporter) { this(model, groups, exporter, StepHook.NONE, null); }

    public Trainable {
        groups = List.copyOf(groups);
        if (hook == null) hook = StepHook.NONE;
        if (groups.stream().allMatch(g -> g.params().isEmpty())) throw new IllegalArgumentException("the method left no tensor trainable");
    }
}
