package dev.tailor.data;

import dev.tailor.models.Inputs;

import java.util.List;

/**
 * Rows padded on the right to the longest of them: padded keys are masked out of attention and
 * their labels are -100, so a padded batch scores exactly what its rows score alone.
 *
 * @param inputs  (B, T) ids, padding mask
 * @param labels  (B*T) labels, -100 at padding and prompt tokens
 * @param tokens  real (non-padding) tokens
 * @param counted tokens the loss counts (after the shift)
 */
public record Batch(Inputs inputs, int[] labels, int tokens, int counted) {

    /** Pads {@code rows} with {@code padId} to the longest row. */
    public static Batch of(List<TokenRow> rows, int padId) {
        if (rows.isEmpty()) throw new IllegalArgumentException("a batch needs at least one row");
        int B = rows.size(), T = 0;
        for (TokenRow r : rows) T = Math.max(T, r.ids().length);
        int[] ids = new int[B * T], labels = new int[B * T];
        boolean[] pad = new boolean[B * T];
        int tokens = 0, counted = 0;
        boolean anyPad = false;
        for (int b = 0; b < B; b++) {
            TokenRow r = rows.get(b);
            int n = r.ids().length;
            System.arraycopy(r.ids(), 0, ids, b * T, n);
            System.arraycopy(r.labels(), 0, labels, b * T, n);
            for (int t = n; t < T; t++) { ids[b * T + t] = padId; labels[b * T + t] = TokenRow.IGNORE; pad[b * T + t] = true; anyPad = true; }
            tokens += n;
            counted += r.countedTokens();
        }
        return new Batch(new Inputs(ids, B, T, null, anyPad ? pad : null), labels, tokens, counted);
    }
}
