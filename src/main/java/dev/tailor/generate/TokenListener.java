package dev.tailor.generate;

/** Receives tokens as they are chosen (streaming), on the generating thread. */
public interface TokenListener {

    /**
     * Row {@code row} chose {@code token}; {@code text} is the text that became final with it
     * (possibly empty: text is held back while it may still be the start of a stop string or of a
     * multi-byte character). Return false to stop every row now.
     */
    boolean onToken(int row, int token, String text);

    /** Row {@code row} stopped; {@code text} is the rest of its text held back until now (possibly empty). */
    default void onFinish(int row, String text, FinishReason finish) {}

    /** A listener that ignores everything and never stops generation. */
    TokenListener NONE = (row, token, text) -> true;
}
