package dev.tailor.models;

import dev.tailor.nn.LinearSlot;
import dev.tailor.nn.TensorSlot;
import dev.tailor.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** A decoder-only language model loaded from a Hugging Face checkpoint. */
public interface CausalLM {

    ModelConfig config();

    /** Logits (B, T, V) for a batch of token ids; recorded on the tape when anything is trainable. */
    default Tensor forward(Inputs in) { return forward(in, null); }

    /**
     * With {@code cache == null}, {@link #forward(Inputs)}. With a cache, {@code in} holds only the
     * tokens after the cached ones (their positions continue the cached positions): their keys and
     * values are appended to the cache, attention reads every cached key, and the result is the
     * logits of each row's last token only, (B, 1, V): all that choosing the next token needs,
     * without running the output head over a whole prompt.
     */
    Tensor forward(Inputs in, KvCache cache);

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

    /** The module path of the output head (excluded by PEFT's "all-linear"). */
    default String headPath() { return "lm_head"; }
}
