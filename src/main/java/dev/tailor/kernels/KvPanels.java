package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;

import java.util.Arrays;

import static dev.tailor.kernels.PanelGemm.NR;

/**
 * The keys and values of one (sequence b, kv head) packed as {@link PanelGemm} B operands, with a
 * column layout shared by every tile of {@link BlockedAttention}. A column is one key: first the
 * P prefix keys, padded with empty columns to P32 (a multiple of NR) so that the sequence keys
 * start on a panel, then the keys kBase .. kEnd-1 that some query of the call can see, padded to a
 * multiple of NR. An empty column (padding, or a padded key) has zero vectors and bias -inf.
 *
 * <p>Packings (D' = D rounded up to NR, zeros beyond D):
 * <ul>
 *   <li>"columns" (keys as GEMM columns, for q·kᵀ and dout·vᵀ): panel p = columns p*NR.., (D, NR),
 *       at p*D*NR: {@code kt[p*D*NR + d*NR + c%NR] = key_c[d]};
 *   <li>"rows" (keys as GEMM rows, for p·v and dS·k): panel p = dims p*NR.., (cols, NR), at
 *       p*cols*NR: {@code vp[p*cols*NR + c*NR + d%NR] = value_c[d]}.
 * </ul>
 * The forward needs kt and vp; the backward kt, vt (values as columns) and kp (keys as rows).
 */
final class KvPanels {

    /** What an instance is for: the column layout alone, or the packings of the forward or the backward. */
    enum Use { LAYOUT, FORWARD, BACKWARD }

    final Geometry g;
    final int prefix32;  // P rounded up to NR: the first sequence-key column
    final int kBase;     // first key any query sees (before padding)
    final int kEnd;      // one past the last key any query sees
    final int cols;      // prefix32 + (kEnd - kBase) rounded up to NR
    final int dPanels;   // D' / NR
    final boolean backward;
    final float[] kt;    // columns packing of keys   (cols/NR, D, NR), not for LAYOUT
    final float[] vp;    // rows packing of values    (D'/NR, cols, NR), FORWARD only
    final float[] vt;    // columns packing of values (cols/NR, D, NR), BACKWARD only
    final float[] kp;    // rows packing of keys      (D'/NR, cols, NR), BACKWARD only
    final float[] bias;  // (cols) 0 for a key that exists, -inf for an empty column or a padded key; not for LAYOUT

    KvPanels(Geometry g, Use use) {
        this.g = g;
        this.backward = use == Use.BACKWARD;
        int T = g.queries();
        prefix32 = roundUp(g.prefix());
        kBase = T == 0 ? 0 : Math.min(g.keys(), g.firstKey(0));
        kEnd = T == 0 ? 0 : Math.max(kBase, g.lastKey(T - 1) + 1);
        cols = prefix32 + roundUp(kEnd - kBase);
        dPanels = (g.headDim() + NR - 1) / NR;
        int D = g.headDim(), rowsSize = dPanels * cols * NR;
        boolean packs = use != Use.LAYOUT;
        kt = packs ? new float[cols * D] : null;
        vp = use == Use.FORWARD ? new float[rowsSize] : null;
        vt = backward ? new float[cols * D] : null;
        kp = backward ? new float[rowsSize] : null;
        bias = packs ? new float[cols] : null;
    }

    static int roundUp(int n) { return (n + NR - 1) / NR * NR; }

    /** The column of sequence key j (kBase <= j < kEnd). */
    int column(int j) { return prefix32 + j - kBase; }

    /** Packs sequence b, kv head kvh: k, v (B, S, KVH*D); pk, pv (P, KVH*D) or null; pad (B*S) or null. */
    void pack(int b, int kvh, float[] k, float[] v, float[] pk, float[] pv, boolean[] pad) {
        int D = g.headDim(), S = g.keys(), stride = g.kvHeads() * D;
        Arrays.fill(kt, 0f);
        Arrays.fill(backward ? vt : vp, 0f);
        if (backward) Arrays.fill(kp, 0f);
        Arrays.fill(bias, Float.NEGATIVE_INFINITY);
        for (int p = 0; p < g.prefix(); p++) packColumn(p, pk, pv, (p * g.kvHeads() + kvh) * D);
        for (int j = kBase; j < kEnd; j++) {
            if (pad != null && pad[b * S + j]) continue;
            packColumn(column(j), k, v, (b * S + j) * stride + kvh * D);
        }
    }

    private void packColumn(int c, float[] keys, float[] values, int so) {
        int D = g.headDim(), colBase = c / NR * D * NR + c % NR;
        float[] byColumn = backward ? vt : null, byRow = backward ? kp : vp, rowSource = backward ? keys : values;
        for (int d = 0, at = colBase; d < D; d++, at += NR) kt[at] = keys[so + d];
        if (byColumn != null) for (int d = 0, at = colBase; d < D; d++, at += NR) byColumn[at] = values[so + d];
        for (int p = 0; p < dPanels; p++) {
            System.arraycopy(rowSource, so + p * NR, byRow, p * cols * NR + c * NR, Math.min(NR, D - p * NR));
        }
        bias[c] = 0f;
    }

    /**
     * Rows packing of n rows of D floats (row r at src[so + r*stride]) into dst: (D'/NR, n, NR),
     * panel stride n*NR, zeros beyond D. Used for the query and dout rows of a block.
     */
    static void packRows(float[] dst, float[] src, int so, int stride, int n, int D) {
        int dPanels = (D + NR - 1) / NR;
        if (D % NR != 0) Arrays.fill(dst, (dPanels - 1) * n * NR, dPanels * n * NR, 0f);
        for (int p = 0; p < dPanels; p++) {
            int width = Math.min(NR, D - p * NR);
            for (int r = 0; r < n; r++) System.arraycopy(src, so + r * stride + p * NR, dst, (p * n + r) * NR, width);
        }
    }
}
