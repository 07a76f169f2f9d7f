package dev.tailor.data;

/** What turning examples into token rows needs from a tokenizer. */
public interface TextEncoder {

    /** Token ids of {@code text} with no special tokens added around it (special tokens written in the text still match). */
    int[] encode(String text);

    /** The ids the tokenizer adds before a text when special tokens are on (a BOS), possibly none. */
    int[] prefixIds();

    /** The end-of-sequence token id, appended after completions that do not end a turn themselves. */
    int eosId();

    /** The end-of-sequence token as text, for the default chat template. */
    String eosToken();

    /** The tokenizer's chat template, or null when it has none. */
    ChatRenderer chatTemplate();
}
