package dev.tailor.data;

/**
 * One tokenised example: ids and labels of equal length, -100 where a token is not counted in the
 * loss. Labels are not shifted: the loss shifts them, as Hugging Face does.
 *
 * @param ids    (T) token ids
 * @param labels (T) target ids or -100
 * @param where  file:line it came from, for messages
 */
public record TokenRow(int[] ids, int[] labels, String where) {

    public static final int IGNORE = -100;

    public TokenRow {
        if (ids.length != labels.length) {
            throw new DataException(where + ": input_ids has " + ids.length + " tokens but labels has " + labels.length);
        }
    }

    /** Tokens whose label counts (after the shift: positions 1..T-1 with a label other than -100). */
    public int countedTokens() {
        int n = 0;
        for (int t = 1; t < labels.length; t++) if (labels[t] != IGNORE) n++;
        return n;
    }
}
