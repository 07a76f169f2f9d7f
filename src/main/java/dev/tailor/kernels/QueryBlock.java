package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;

import static dev.tailor.kernels.PanelGemm.MR;
import static dev.tailor.kernels.PanelGemm.NR;

/**
 * One block of query rows of a head in {@link BlockedAttention}, and where in its score tile each
 * row may look. The tile has {@code width} columns: the P32 prefix columns of the key table, then
 * {@code width - P32} sequence-key columns starting at table column {@code segCol}; "segment
 * columns" below count from the first of those. One instance per thread, set block after block.
 *
 * <p>The bands let the tile products skip what the causal and window masks zero: a row tile of
 * queries needs only the key columns its rows see, and a row tile of keys (in dSᵀ·q and Pᵀ·dout)
 * only the queries that see them. Skipped terms are exact zeros, so only the work changes.
 */
final class QueryBlock {

    private static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();

    final KvPanels t;
    final int capacity;   // most rows of a block
    int t0, rows;         // queries t0 .. t0 + rows - 1
    int segCol, width;    // the tile's columns, see above
    final int[] lo, hi;   // (capacity) per row: the segment columns it sees (causal, window; padding aside), [lo, hi)
    final int[] from, to; // (capacity) per row: [lo, hi) widened to whole vectors, as tile columns; both P32 when empty
    final int[] tileLo, tileHi; // (capacity/MR) per query row tile: the union of its rows' [lo, hi)
    final int[] keyLo, keyHi;   // (segment/MR) per key row tile (MR segment columns): the rows that see one of them

    QueryBlock(KvPanels t, int capacity) {
        this.t = t;
        this.capacity = capacity;
        lo = new int[capacity];
        hi = new int[capacity];
        from = new int[capacity];
        to = new int[capacity];
        tileLo = new int[(capacity + MR - 1) / MR];
        tileHi = new int[tileLo.length];
        keyLo = new int[t.cols / MR + 1];
        keyHi = new int[keyLo.length];
    }

    int segment() { return width - t.prefix32; }

    /** Sets rows t0 .. t0+rows-1 (rows <= capacity). */
    void set(int t0, int rows) {
        Geometry g = t.g;
        this.t0 = t0;
        this.rows = rows;
        int P32 = t.prefix32;
        int first = Math.max(t.kBase, g.firstKey(t0)), last = Math.min(t.kEnd - 1, g.lastKey(t0 + rows - 1));
        if (last < first) {
            segCol = P32;
            width = P32;
        } else {
            int relLo = (first - t.kBase) / NR * NR, relHi = KvPanels.roundUp(last + 1 - t.kBase);
            segCol = P32 + relLo;
            width = P32 + relHi - relLo;
        }
        int toSeg = t.column(0) - segCol; // key j is segment column j + toSeg
        for (int r = 0; r < rows; r++) {
            int i = t0 + r;
            lo[r] = Math.max(0, g.firstKey(i) + toSeg);
            hi[r] = Math.min(segment(), Math.min(g.lastKey(i), t.kEnd - 1) + 1 + toSeg);
            if (hi[r] <= lo[r]) { lo[r] = hi[r] = 0; from[r] = to[r] = P32; continue; }
            from[r] = P32 + lo[r] / L * L;
            to[r] = P32 + (hi[r] + L - 1) / L * L;
        }
        for (int i = 0; i * MR < rows; i++) {
            int a = Integer.MAX_VALUE, b = 0;
            for (int r = i * MR; r < Math.min(rows, i * MR + MR); r++) {
                if (hi[r] > lo[r]) { a = Math.min(a, lo[r]); b = Math.max(b, hi[r]); }
            }
            tileLo[i] = Math.min(a, b);
            tileHi[i] = b;
        }
        for (int j = 0; j * MR < segment(); j++) {
            int a = rows, b = 0, c0 = j * MR, c1 = c0 + MR;
            for (int r = 0; r < rows; r++) {
                if (lo[r] < c1 && hi[r] > c0 && hi[r] > lo[r]) { a = Math.min(a, r); b = r + 1; }
            }
            keyLo[j] = Math.min(a, b);
            keyHi[j] = b;
        }
    }
}
