package dev.tailor.nn;

import dev.tailor.tensor.Tensor;

import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A named place in a model that holds one weight tensor, e.g. the token embedding
 * {@code model.embed_tokens} (the checkpoint key without {@code .weight}). PEFT's
 * {@code modules_to_save} swaps in a trainable copy through {@link #set} and puts the original back
 * when the adapter is switched off.
 */
public record TensorSlot(String path, Supplier<Tensor> getter, Consumer<Tensor> setter) {

    public Tensor get() { return getter.get(); }

    public void set(Tensor t) { setter.accept(t); }
}
