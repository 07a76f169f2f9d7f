package dev.tailor.nn;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A named place in a model that holds a linear layer, e.g. {@code model.layers.0.self_attn.q_proj}
 * (the checkpoint key without {@code .weight}). PEFT methods find their targets by this path and
 * replace the layer with a wrapper through {@link #set}.
 */
public record LinearSlot(String path, Supplier<LinearLayer> getter, Consumer<LinearLayer> setter) {

    public LinearLayer get() { return getter.get(); }

    public void set(LinearLayer layer) { setter.accept(layer); }

    /** The last component of the path, e.g. {@code q_proj}: what PEFT's target_modules names. */
    public String name() { return path.substring(path.lastIndexOf('.') + 1); }
}
