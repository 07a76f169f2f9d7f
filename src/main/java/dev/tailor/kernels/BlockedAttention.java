package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;
import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.tailor.kernels.PanelGemm.NR;

/**
 * The tiled (flash-attention style) path of {@link AttentionKernels}: same contract, same masks.
 * The queries of one head are cut into blocks of {@link #BLOCK} rows; a block multiplies its rows
 * against the panel-packed keys it can see ({@link KvPanels}) with the {@link PanelGemm} register
 * tile, so a (BLOCK, W) score tile costs GEMM speed instead of BLOCK·W dot products. W spans the
 * prefix columns and the keys from the block's first query's first key to its last query's last
 * key, rounded out to panels; the per-row masks (causal, window, padding) are applied to the tile,
 * and the bands of {@link QueryBlock} keep the products off what the masks zero.
 *
 * <p>The forward keeps whole tile rows, so the softmax takes each row's exact max and sum (no
 * online rescaling) and saves lse as the row kernel does; the heads of a kv head share its packed
 * keys and values (items run head after head). {@link BlockedBackward} is the backward.
 *
 * <p>Work split: (batch, head, query block) items, the blocks of a head in zigzag order so that
 * contiguous chunks get even causal work; each output row is computed by one item, its sums in a
 * fixed order, so the result does not depend on the thread count or timing.
 *
 * <p>Memory per thread: the packed keys and values of one (sequence, kv head), 2·cols·D floats
 * (4 in the backward), and one (BLOCK, cols) tile (2 in the backward), where cols is about
 * P + S. Work is the row kernel's plus the masked corners of the diagonal tiles.
 */
final class BlockedAttention {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Query rows of a block: a multiple of the tile's 6 rows. */
    static final int BLOCK = 48;
    /** Fewer queries than this (decoding) go to the row kernel: the tiles would be mostly empty. */
    static final int MIN_QUERIES = 12;

    private BlockedAttention() {}

    static boolean suits(Geometry g) {
        return g.queries() >= MIN_QUERIES;
    }

    static int blocks(Geometry g) { return (g.queries() + BLOCK - 1) / BLOCK; }

    /** Sets blk to query block qb. */
    static void setBlock(QueryBlock blk, int qb) {
        blk.set(qb * BLOCK, Math.min(BLOCK, blk.t.g.queries() - qb * BLOCK));
    }

    // ---------------------------------------------------------------- forward

    /** {@link AttentionKernels#attention}: out (B, T, H*D) zero on entry; lse (B, H, T). See {@link BlockedBackward} for the backward. */
    static void forward(float[] out, float[] lse, float[] q, float[] k, float[] v,
                        float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int H = g.heads(), group = H / g.kvHeads(), nb = blocks(g);
        Parallel.forChunks(g.batch() * H * nb, 2, (chunk, from, to) -> {
            Tiles w = Tiles.of(g);
            int packed = -1; // b * KVH + kvh now in w.t
            for (int e = from; e < to; e++) {
                int bh = e / nb, b = bh / H, h = bh % H, unit = b * g.kvHeads() + h / group;
                if (unit != packed) { w.t.pack(b, h / group, k, v, pk, pv, pad); packed = unit; }
                setBlock(w.blk, AttentionKernels.zigzag(e % nb, nb));
                forwardBlock(out, lse, q, b, h, w.blk, w.s, w.scratch);
            }
        });
    }

    /**
     * One thread's forward buffers, kept between calls of the same geometry (every layer of a
     * training step) so that a step does not churn the collector. A chunk of work holds them from
     * start to end and runs no other task meanwhile, so one set per thread is enough.
     */
    private record Tiles(KvPanels t, QueryBlock blk, float[] s, float[] scratch) {

        private static final ThreadLocal<Tiles> KEPT = new ThreadLocal<>();

        static Tiles of(Geometry g) {
            Tiles w = KEPT.get();
            if (w == null || !w.t.g.equals(g)) {
                KvPanels t = new KvPanels(g, KvPanels.Use.FORWARD);
                // s: (BLOCK, W) scores, then probabilities, of one block
                w = new Tiles(t, new QueryBlock(t, BLOCK), new float[BLOCK * t.cols], new float[PanelGemm.SCRATCH]);
                KEPT.set(w);
            }
            return w;
        }
    }

    private static void forwardBlock(float[] out, float[] lse, float[] q, int b, int h, QueryBlock blk,
                                     float[] s, float[] scratch) {
        KvPanels t = blk.t;
        Geometry g = t.g;
        int D = g.headDim(), H = g.heads(), T = g.queries(), W = blk.width, R = blk.rows, P32 = t.prefix32;
        int qo = ((b * T + blk.t0) * H + h) * D; // row r of the block at qo + r*H*D in q and out
        scores(s, q, qo, blk, t.kt, scratch);
        for (int r = 0; r < R; r++) {
            int row = (b * H + h) * T + blk.t0 + r, off = r * W, from = blk.from[r], to = blk.to[r];
            float max = maskedScores(s, off, blk, r);
            if (max == Float.NEGATIVE_INFINITY) { Arrays.fill(s, off, off + W, 0f); lse[row] = max; continue; }
            float sum = Rows.expShifted(s, off, off + P32, max) + Rows.expShifted(s, off + from, off + to, max);
            clearOutside(s, off, blk, r);
            float inv = 1f / sum;
            scale(s, off, P32, inv);
            scale(s, off + from, to - from, inv);
            lse[row] = max + (float) Math.log(sum);
        }
        // out += P·v, prefix columns then key columns
        int P = g.prefix(), ldv = t.cols * NR;
        if (P > 0) PanelGemm.gemm(out, qo, H * D, true, s, 0, W, 1, R, t.vp, 0, ldv, P, D, scratch);
        if (W > P32) PanelGemm.gemmBanded(out, qo, H * D, true, s, P32, W, 1, R, t.vp, blk.segCol * NR, ldv, W - P32, D,
                blk.tileLo, blk.tileHi, null, null, scratch);
    }

    /** s (R, W) = x·kᵀ of the block's rows of x (q or dout; row r at qo + r*H*D) over its tile columns, unscaled. */
    static void scores(float[] s, float[] x, int qo, QueryBlock blk, float[] kt, float[] scratch) {
        Geometry g = blk.t.g;
        int D = g.headDim(), rs = g.heads() * D, W = blk.width, P32 = blk.t.prefix32;
        if (P32 > 0) PanelGemm.gemm(s, 0, W, false, x, qo, rs, 1, blk.rows, kt, 0, D * NR, D, P32, scratch);
        if (W > P32) PanelGemm.gemmBanded(s, P32, W, false, x, qo, rs, 1, blk.rows, kt, blk.segCol / NR * D * NR, D * NR, D, W - P32,
                null, null, blk.tileLo, blk.tileHi, scratch);
    }

    /**
     * Row r of the tile, s[off, off+W), over the prefix columns and the row's vectors [from, to):
     * x = scale·s + bias, and -inf in those vectors outside the row's keys; returns their max (-inf
     * when the row sees nothing). The other columns are left as they were.
     */
    static float maskedScores(float[] s, int off, QueryBlock blk, int r) {
        KvPanels t = blk.t;
        int P32 = t.prefix32, shift = blk.segCol - P32; // tile column c >= P32 is table column c + shift
        int from = blk.from[r], to = blk.to[r], lo = P32 + blk.lo[r], hi = P32 + blk.hi[r];
        FloatVector sc = FloatVector.broadcast(F, t.g.scale()), max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int c = 0; c < P32; c += L) {
            FloatVector x = FloatVector.fromArray(F, s, off + c).fma(sc, FloatVector.fromArray(F, t.bias, c));
            x.intoArray(s, off + c);
            max = max.max(x);
        }
        for (int c = from; c < to; c += L) {
            FloatVector.fromArray(F, s, off + c).fma(sc, FloatVector.fromArray(F, t.bias, c + shift)).intoArray(s, off + c);
        }
        for (int c = from; c < lo; c++) s[off + c] = Float.NEGATIVE_INFINITY;
        for (int c = hi; c < to; c++) s[off + c] = Float.NEGATIVE_INFINITY;
        for (int c = from; c < to; c += L) max = max.max(FloatVector.fromArray(F, s, off + c));
        return max.reduceLanes(VectorOperators.MAX); // max is exact in any order
    }

    /** Zeros row r of a tile between the prefix columns and the row's vectors, and after them. */
    static void clearOutside(float[] s, int off, QueryBlock blk, int r) {
        Arrays.fill(s, off + blk.t.prefix32, off + blk.from[r], 0f);
        Arrays.fill(s, off + blk.to[r], off + blk.width, 0f);
    }

    private static void scale(float[] s, int off, int n, float f) {
        for (int c = 0; c < n; c += L) FloatVector.fromArray(F, s, off + c).mul(f).intoArray(s, off + c);
    }
}
