package dev.tailor.generate;

/** A prompt does not fit in the model's context; the message says by how much. */
public final class PromptTooLongException extends IllegalArgumentException {
    public PromptTooLongException(String message) { super(message); }
}
