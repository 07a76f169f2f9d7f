package dev.tailor.nn;

import dev.tailor.tensor.Tensor;

/**
 * Anything that stands where a checkpoint has a linear layer: the plain {@link Linear}, or a PEFT
 * wrapper (LoRA, DoRA, ...) composed around one. Models call linears only through this interface,
 * so a method wraps a module by replacing it in its {@link LinearSlot}.
 */
public interface LinearLayer {

    /** (..., in) -> (..., out) */
    Tensor forward(Tensor x);

    /** The checkpoint's own layer underneath any wrapper. */
    Linear base();
}
