package dev.tailor.generate;

/** Why a sequence stopped growing. */
public enum FinishReason {
    /** It produced an end-of-sequence token (kept as its last token, left out of its text). */
    EOS,
    /** Its text came to contain a stop string (its text ends just before the stop string). */
    STOP_STRING,
    /** It reached the number of new tokens asked for, or the model's context. */
    LENGTH,
    /** The caller's listener asked to stop. */
    CANCELLED
}
