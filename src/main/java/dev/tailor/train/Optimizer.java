package dev.tailor.train;

import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.TensorEntry;

import java.util.List;

/** An update rule over the trainable tensors; its state is saved with each checkpoint. */
public sealed interface Optimizer permits AdamW, Sgd, Mezo {

    /** Updates every parameter from its gradient at learning rate {@code lr} (times its lrScale). */
    void step(double lr);

    /** Updates taken so far (AdamW's bias correction uses it). */
    long steps();

    /** The state tensors, named "optimizer.&lt;slot&gt;.&lt;param&gt;". */
    List<TensorEntry> state();

    /** Restores the state written by {@link #state} and the step count; names the missing tensor. */
    void load(SafetensorsFile file, long steps);
}
