package dev.tailor.generate;

/**
 * How the next token is chosen from the logits, with Hugging Face's meaning for each knob. The
 * logits pass through, in this order (as transformers' generate applies them): repetition penalty,
 * temperature, top-k, top-p, min-p; then the token is drawn from the softmax of what is left.
 * A temperature of 0 means greedy decoding (the repetition penalty still applies; the other filters
 * cannot change the argmax and are skipped).
 *
 * @param temperature       0 = greedy; else logits are divided by it
 * @param topK              keep the K largest logits (ties with the K-th kept too); 0 = off
 * @param topP              keep the smallest set of most likely tokens whose probability reaches P; 1 = off
 * @param minP              drop tokens whose probability is below minP times the largest; 0 = off
 * @param repetitionPenalty for every token already in the sequence (prompt included): divide a positive
 *                          logit by it, multiply a negative one; 1 = off
 * @param seed              seeds the draws: the same seed and inputs give the same tokens
 */
public record SamplingConfig(float temperature, int topK, float topP, float minP, float repetitionPenalty, long seed) {

    public SamplingConfig {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0 and finite (0 = greedy), got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1] (1 = off), got " + topP);
        if (!(minP >= 0 && minP <= 1)) throw new IllegalArgumentException("min-p must be in [0, 1] (0 = off), got " + minP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition penalty must be > 0 and finite (1 = off), got " + repetitionPenalty);
        }
    }

    /** Greedy decoding, no penalty. */
    public static SamplingConfig greedy() { return new SamplingConfig(0f, 0, 1f, 0f, 1f, 0L); }

    public boolean isGreedy() { return temperature == 0f; }
}
