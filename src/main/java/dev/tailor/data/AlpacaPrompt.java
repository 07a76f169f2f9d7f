package dev.tailor.data;

/**
 * The Stanford Alpaca prompt, used for Alpaca rows when the tokenizer has no chat template. A
 * row's "system" field, when set, replaces the opening sentence.
 */
public final class AlpacaPrompt {

    static final String WITH_INPUT = "Below is an instruction that describes a task, paired with an input that provides "
            + "further context. Write a response that appropriately completes the request.";
    static final String NO_INPUT = "Below is an instruction that describes a task. Write a response that appropriately "
            + "completes the request.";

    private AlpacaPrompt() {}

    /** The prompt text up to and including "### Response:\n"; the output follows it directly. */
    public static String prompt(String system, String instruction, String input) {
        boolean hasInput = !input.isEmpty();
        String preamble = system.isEmpty() ? (hasInput ? WITH_INPUT : NO_INPUT) : system;
        StringBuilder sb = new StringBuilder(preamble).append("\n\n### Instruction:\n").append(instruction).append("\n\n");
        if (hasInput) sb.append("### Input:\n").append(input).append("\n\n");
        return sb.append("### Response:\n").toString();
    }
}
