package dev.tailor.peft;

import java.util.List;

/**
 * Prompt tuning (Lester et al. 2021), as PEFT's {@code PromptTuningConfig}: {@code l} trainable
 * virtual token embeddings (l, C) prepended to every row's input embeddings; the model stays frozen.
 *
 * @param numVirtualTokens    num_virtual_tokens: l
 * @param init                prompt_tuning_init: how the embeddings start
 * @param initText            prompt_tuning_init_text (TEXT), or null
 * @param tokenizerNameOrPath tokenizer_name_or_path: where PEFT finds the tokenizer for TEXT, or null
 * @param initTokens          the token ids the init reads (training-time only, not written): TEXT
 *                            one list, the text's ids; CLASS_LABELS one list per label word
 */
public record PromptTuningConfig(int numVirtualTokens, Init init, String initText, String tokenizerNameOrPath,
                                 List<List<Integer>> initTokens) implements PeftConfig {

    /** How the virtual token embeddings start. */
    public enum Init {
        /** N(0, 1), as PEFT's nn.Embedding. */
        RANDOM,
        /** The embeddings of tokens drawn uniformly from the vocabulary (PEFT's SAMPLE_VOCAB). */
        SAMPLE_VOCAB,
        /** The embeddings of a text's tokens, repeated or cut to l (PEFT's TEXT). */
        TEXT,
        /**
         * Lester et al.'s class-label init: virtual token i starts as the mean embedding of label i's
         * tokens; those beyond the labels start as sampled vocabulary. Written to adapter_config.json
         * as SAMPLE_VOCAB, the nearest PEFT value (only a fresh adapter reads it).
         */
        CLASS_LABELS
    }

    public PromptTuningConfig {
        if (numVirtualTokens <= 0) throw new IllegalArgumentException("num_virtual_tokens must be positive, got " + numVirtualTokens);
        if (init == null) throw new IllegalArgumentException("prompt_tuning_init must be set");
        initTokens = initTokens == null ? List.of() : initTokens.stream().map(List::copyOf).toList();
        if ((init == Init.TEXT || init == Init.CLASS_LABELS) && (initTokens.isEmpty() || initTokens.stream().anyMatch(List::isEmpty))) {
            throw new IllegalArgumentException("prompt tuning init " + init + " needs the token ids of its text or of every label, got " + initTokens);
        }
    }

    /** l virtual tokens drawn as {@code init} (RANDOM or SAMPLE_VOCAB). */
    public static PromptTuningConfig of(int numVirtualTokens, Init init) {
        return new PromptTuningConfig(numVirtualTokens, init, null, null, List.of());
    }

    @Override public String peftType() { return "PROMPT_TUNING"; }
}
