package dev.tailor.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Packs short rows into groups of at most --max-length tokens (best fit, longest rows first), so
 * a step sees as many tokens as full-length sequences would hold.
 *
 * <p>Attention takes only a key padding mask, not a per-row segment mask, so a pack is not laid
 * out as one concatenated sequence: its rows go into the batch as separate rows (padded to the
 * longest). No token attends across a row boundary and positions restart at 0 for every row,
 * exactly what block-diagonal packed attention computes; the cost is the padding inside a pack.
 */
public final class Packing {

    private Packing() {}

    /** Groups of rows whose lengths sum to at most {@code maxLength}; deterministic for a given input order. */
    public static List<List<TokenRow>> pack(List<TokenRow> rows, int maxLength) {
        Integer[] order = new Integer[rows.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        // Longest first, ties by position, so the result depends only on the input order.
        Arrays.sort(order, (a, b) -> rows.get(a).ids().length != rows.get(b).ids().length
                ? Integer.compare(rows.get(b).ids().length, rows.get(a).ids().length) : Integer.compare(a, b));
        List<List<TokenRow>> packs = new ArrayList<>();
        TreeMap<Integer, ArrayDeque<Integer>> byRoom = new TreeMap<>(); // free tokens -> packs with that much room, oldest first
        for (int i : order) {
            TokenRow r = rows.get(i);
            int len = r.ids().length;
            Map.Entry<Integer, ArrayDeque<Integer>> fit = byRoom.ceilingEntry(len);
            int at, room;
            if (fit == null) {
                packs.add(new ArrayList<>());
                at = packs.size() - 1;
                room = Math.max(maxLength, len);
            } else {
                at = fit.getValue().pollFirst();
                room = fit.getKey();
                if (fit.getValue().isEmpty()) byRoom.remove(fit.getKey());
            }
            packs.get(at).add(r);
            byRoom.computeIfAbsent(room - len, k -> new ArrayDeque<>()).addLast(at);
        }
        return packs;
    }
}
