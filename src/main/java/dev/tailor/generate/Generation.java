package dev.tailor.generate;

/**
 * One prompt's continuation.
 *
 * @param tokens       the new token ids, in order (an end-of-sequence token that stopped it included)
 * @param text         their decoded text, cut before a stop string, without the end-of-sequence token;
 *                     null when the generator was given no decoder
 * @param finish       why it stopped
 * @param promptTokens the prompt's length in tokens
 */
public record Generation(int[] tokens, String text, FinishReason finish, int promptTokens) {}
