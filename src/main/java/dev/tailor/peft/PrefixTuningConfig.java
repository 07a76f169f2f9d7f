package dev.tailor.peft;

/**
 * Prefix tuning (Li and Liang 2021) and P-tuning v2 (Liu et al. 2022), as PEFT's
 * {@code PrefixTuningConfig}: {@code l} trainable keys and values prepended to every attention
 * layer. With {@code prefixProjection} the prefixes are computed during training by an MLP over
 * (l, W) prefix embeddings, Linear(W, h) → tanh → Linear(h, layers·2·W), which stabilises training;
 * only its output is saved. Without it (P-tuning v2) the (l, layers·2·W) prefixes train directly.
 * W is the key width KVH·D (PEFT's token_dim after its grouped-query adjustment).
 *
 * @param numVirtualTokens  num_virtual_tokens: l
 * @param prefixProjection  prefix_projection: train through the reparameterisation MLP
 * @param encoderHiddenSize encoder_hidden_size: h, or 0 for W (PEFT's default)
 */
public record PrefixTuningConfig(int numVirtualTokens, boolean prefixProjection, int encoderHiddenSize) implements PeftConfig {

    public PrefixTuningConfig {
        if (numVirtualTokens <= 0) throw new IllegalArgumentException("num_virtual_tokens must be positive, got " + numVirtualTokens);
        if (encoderHiddenSize < 0) throw new IllegalArgumentException("encoder_hidden_size must be >= 0 (0 = the key width), got " + encoderHiddenSize);
    }

    /** The MLP's hidden width for a key width of {@code width}. */
    public int hiddenFor(int width) { return encoderHiddenSize > 0 ? encoderHiddenSize : width; }

    @Override public String peftType() { return "PREFIX_TUNING"; }
}
