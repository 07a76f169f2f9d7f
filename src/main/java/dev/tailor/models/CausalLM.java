package dev.tailor.models;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.LossOps;
import dev.tailor.nn.LinearSlot;
import dev.tailor.nn.TensorSlot;
import dev.tailor.tensor.Tensor;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** A decoder-only language model loaded from a Hugging Face checkpoint. */
public interface CausalLM {

    ModelConfig config();

    /** Logits (B, T, V) for a batch of token ids; recorded on the tape when anything is trainable. */
    Tensor forward(Inputs in);

    /**
     * With {@code cache == null}, {@link #forward(Inputs)}. With a cache, {@code in} holds only the
     * tokens after the cached ones (their positions continue the cached positions) and the result
     * is the logits of each row's last token only, (B, 1, V): all that choosing the next token needs.
     *
     * <p>The models override this to append the new keys and values to the cache and attend over
     * the cached ones. This default, for a model that wraps another, runs the whole sequence so far
     * again ({@link KvCache#history()}): the same logits, at the cost of recomputing.
     */
    default Tensor forward(Inputs in, KvCache cache) {
        if (cache == null) return forward(in);
        cache.extend(in);
        Tensor logits = forward(cache.history()); // (B, length, V)
        return BasicOps.sliceSeq(logits, cache.length() - 1, cache.length());
    }

    /**
     * The training loss of a batch: the mean cross-entropy of {@link #forward(Inputs)}'s logits
     * against {@code labels} with Hugging Face's rules ({@link LossOps#crossEntropy}: the shift,
     * -100 ignored, the mean over counted tokens, NaN when none counts), recorded on the tape when
     * anything is trainable. Training and evaluation call this rather than forward: the models
     * override it to fuse the output head with the loss ({@link HeadLoss}), so the (B, T, V)
     * logits and their gradient are never held; this default, for a model that wraps another,
     * goes through the logits.
     *
     * @param labels (B * T) token ids in [0, V) or -100
     */
    default Tensor loss(Inputs in, int[] labels, boolean shift) {
        return LossOps.crossEntropy(forward(in), labels, shift);
    }

    /**
     * Every weight by its checkpoint key (the key the model would be saved under), in checkpoint
     * order. Tied weights appear once, under the embedding's key.
     */
    Map<String, Tensor> parameters();

    /** Every linear layer of the transformer blocks and the output head, by module path. */
    List<LinearSlot> linears();

    /**
     * The input token embedding (V, C), e.g. {@code model.embed_tokens}. Replacing it affects the
     * input only: a head tied to the embedding keeps the original weight.
     */
    TensorSlot tokenEmbedding();

    /**
     * Sets what a prompt-learning method adds to every forward pass ({@link Prompt}: virtual tokens
     * or per-layer attention prefixes); null removes it. The source is called once at the start of
     * each forward, so prefixes computed from trainable tensors are recorded on that pass's tape.
     */
    default void setPrompt(Supplier<Prompt> source) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " takes no prompt (virtual tokens or attention prefixes)");
    }

    /** The source set by {@link #setPrompt}, or null. */
    default Supplier<Prompt> prompt() { return null; }

    /**
     * Turns activation checkpointing of the transformer blocks on or off: with it on, training
     * keeps only each block's input and recomputes the block's forward during backward.
     */
    default void checkpointing(boolean on) {
        if (on) throw new UnsupportedOperationException(config().modelType() + ": activation checkpointing is not available for this architecture");
    }

    /** The module path of the output head (excluded by PEFT's "all-linear"). */
    default String headPath() { return "lm_head"; }
}
