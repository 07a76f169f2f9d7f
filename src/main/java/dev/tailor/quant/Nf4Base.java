package dev.tailor.quant;

import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Tensor;

import java.util.regex.Pattern;

/**
 * Which checkpoint tensors a QLoRA base model holds in NF4, and their conversion as the loader
 * reads them. As bitsandbytes/PEFT QLoRA: every linear weight inside a transformer block (the
 * attention and MLP projections) is quantised; embeddings, norms, biases and the LM head stay in
 * their stored dtype.
 *
 * <p>Layout: blocks run along the stored rows. For nn.Linear weights (out, in) that is along the
 * input features, as in bitsandbytes; GPT-2 Conv1D weights are stored (in, out), so their blocks
 * run along the output features (bitsandbytes transposes Conv1D first; the block size and the
 * error per element are the same).
 */
public final class Nf4Base {

    /** A key inside a numbered transformer block: "model.layers.3.", "transformer.h.3.", "h.3.". */
    private static final Pattern IN_BLOCK = Pattern.compile("(^|\\.)(layers|h)\\.\\d+\\.");

    private Nf4Base() {}

    /** True for a 2-D ".weight" inside a transformer block: exactly the block's linear weights. */
    public static boolean targets(String key, Tensor t) {
        return t.rank() == 2 && key.endsWith(".weight") && IN_BLOCK.matcher(key).find();
    }

    /**
     * {@code t} in NF4 when {@link #targets} holds, else {@code t} itself. A weight mapped from a
     * checkpoint is read once to quantise it; its pages are then dropped from this process (the
     * file stays in the page cache), so loading keeps only the 4-bit copy resident.
     */
    public static Tensor convert(String key, Tensor t) {
        if (!targets(key, t)) return t;
        Tensor q = Nf4Storage.quantise(t);
        if (t.storage() instanceof SegmentStorage(var seg, var dtype) && seg.isMapped()) seg.unload();
        return q;
    }
}
