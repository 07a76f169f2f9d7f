package dev.tailor.models;

/**
 * How {@link ModelLoader} builds a model's weights. {@code trainable}: every weight becomes a
 * float32 parameter (full fine-tuning). {@code nf4}: the linear weights of the transformer blocks
 * are quantised to NF4 as they are read (a QLoRA base); everything else stays frozen in its
 * stored dtype. The two exclude each other: an NF4 weight cannot be trained.
 */
public record LoadOptions(boolean trainable, boolean nf4) {

    /** Frozen weights in their stored dtype. */
    public static final LoadOptions FROZEN = new LoadOptions(false, false);
    /** Every weight a float32 parameter. */
    public static final LoadOptions TRAINABLE = new LoadOptions(true, false);
    /** Frozen, with the block linears in NF4 (QLoRA). */
    public static final LoadOptions NF4 = new LoadOptions(false, true);

    public LoadOptions {
        if (trainable && nf4) {
            throw new IllegalArgumentException("LoadOptions: trainable and nf4 exclude each other (an NF4 base weight is frozen; train adapters over it)");
        }
    }
}
