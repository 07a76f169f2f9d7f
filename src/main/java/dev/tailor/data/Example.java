package dev.tailor.data;

import java.util.List;

/** One parsed training row, before tokenisation; every kind remembers where it came from. */
public sealed interface Example {

    /** file:line of the row. */
    String where();

    /** A conversation (ShareGPT, chat messages); assistant turns are the completions. */
    record Chat(List<Message> messages, String where) implements Example {
        public Chat { messages = List.copyOf(messages); }
    }

    /** An Alpaca row: instruction, optional input and system prompt, and the output to learn. */
    record Instruction(String system, String instruction, String input, String output, String where) implements Example {}

    /** A prompt and the completion to learn, concatenated as they are. */
    record Completion(String prompt, String completion, String where) implements Example {}

    /** Plain text for continued pre-training: every token counts. */
    record Text(String text, String where) implements Example {}

    /**
     * Pre-tokenised ids.
     *
     * @param ids    (T) token ids
     * @param labels (T) labels (-100 = not counted), or null to count every token
     */
    record Tokens(int[] ids, int[] labels, String where) implements Example {}
}
