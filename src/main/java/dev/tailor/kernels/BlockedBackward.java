package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;
import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

import static dev.tailor.kernels.BlockedAttention.BLOCK;
import static dev.tailor.kernels.PanelGemm.NR;

/**
 * The backward of {@link BlockedAttention}, one pass per query block of a head: P = exp(s - lse)
 * recomputed, dP = dout·vᵀ, Δ = Σ P∘dP over the row (the whole row is in the tile, so no pass
 * over the forward's output is needed), dS = scale·P∘(dP - Δ), then dq += dS·k, dk += dSᵀ·q and
 * dv += Pᵀ·dout: five tile products per block against the row kernel's two passes.
 *
 * <p>Order of the sums, whatever the schedule: dq rows of head h are summed block column by block
 * column by the one thread that owns head h; each query head h accumulates its own dk/dv partial
 * over the query blocks in order, starting from zero; the partials of the heads of a kv head are
 * added to dk/dv head by head in order, and prefix partials after that, batch by batch, head by
 * head. Two schedules give those same bits: (batch, kv head) units with one reused partial per
 * thread, and, when there are fewer such units than threads, (batch, head) units whose partials
 * are kept until a second loop adds them. So the results depend on neither thread count nor timing.
 */
final class BlockedBackward {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** The per-head schedule keeps all partials at once: at most this many floats of them. */
    private static final long MAX_PARTIALS = 1L << 24;

    private BlockedBackward() {}

    /** {@link AttentionKernels#attentionBackward}: adds into the non-null gradients. */
    static void backward(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv,
                         float[] lse, float[] dout, float[] q, float[] k, float[] v,
                         float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int B = g.batch(), H = g.heads(), KVH = g.kvHeads();
        long partials = (long) B * H * 2 * new KvPanels(g, KvPanels.Use.LAYOUT).cols * g.headDim();
        boolean perHead = B * KVH < Parallel.threads() && H > KVH && partials <= MAX_PARTIALS;
        backward(dq, dk, dv, dpk, dpv, lse, dout, q, k, v, pk, pv, pad, g, perHead);
    }

    /** The backward with the schedule chosen: per (batch, head) units, or per (batch, kv head). */
    static void backward(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv,
                         float[] lse, float[] dout, float[] q, float[] k, float[] v,
                         float[] pk, float[] pv, boolean[] pad, Geometry g, boolean perHead) {
        int B = g.batch(), H = g.heads(), KVH = g.kvHeads(), D = g.headDim(), P = g.prefix(), group = H / KVH;
        Grads grads = new Grads(dq, dk, dv, dpk, dpv, g);
        float[] prefixParts = grads.prefixK || grads.prefixV ? new float[B * H * 2 * P * D] : null; // (B, H, 2, P, D)
        if (perHead) {
            float[][] dkParts = new float[B * H][], dvParts = new float[B * H][]; // (B*H) of (cols, D)
            Parallel.forChunks(B * H, 1, (chunk, from, to) -> {
                Worker w = Worker.of(g);
                int packed = -1;
                for (int e = from; e < to; e++) {
                    int b = e / H, h = e % H, unit = b * KVH + h / group;
                    if (unit != packed) { w.t.pack(b, h / group, k, v, pk, pv, pad); packed = unit; }
                    dkParts[e] = grads.keyK || grads.prefixK ? new float[w.t.cols * D] : null;
                    dvParts[e] = grads.keyV || grads.prefixV ? new float[w.t.cols * D] : null;
                    w.head(grads, b, h, dkParts[e], dvParts[e], lse, dout, q);
                }
            });
            Parallel.forChunks(B * KVH, 1, (chunk, from, to) -> {
                KvPanels t = new KvPanels(g, KvPanels.Use.LAYOUT);
                for (int e = from; e < to; e++) {
                    int b = e / KVH, kvh = e % KVH;
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        grads.add(t, b, kvh, h, dkParts[b * H + h], dvParts[b * H + h], prefixParts, pad);
                    }
                }
            });
        } else {
            Parallel.forChunks(B * KVH, 1, (chunk, from, to) -> {
                Worker w = Worker.of(g);
                float[] dkPart = grads.keyK || grads.prefixK ? w.dkPart : null, dvPart = grads.keyV || grads.prefixV ? w.dvPart : null;
                for (int e = from; e < to; e++) {
                    int b = e / KVH, kvh = e % KVH;
                    w.t.pack(b, kvh, k, v, pk, pv, pad);
                    for (int h = kvh * group; h < (kvh + 1) * group; h++) {
                        w.head(grads, b, h, dkPart, dvPart, lse, dout, q);
                        grads.add(w.t, b, kvh, h, dkPart, dvPart, prefixParts, pad);
                    }
                }
            });
        }
        if (prefixParts != null) grads.addPrefix(prefixParts);
    }

    /** The gradient arrays of one call, which of them are wanted, and how partials reach them. */
    private record Grads(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv, Geometry g,
                         boolean keyK, boolean keyV, boolean prefixK, boolean prefixV) {

        Grads(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv, Geometry g) {
            this(dq, dk, dv, dpk, dpv, g, dk != null, dv != null, dpk != null && g.prefix() > 0, dpv != null && g.prefix() > 0);
        }

        /** dk/dv rows of (b, kvh) += head h's partials (cols, D); its prefix rows go to prefixParts (B, H, 2, P, D). */
        void add(KvPanels t, int b, int kvh, int h, float[] dkPart, float[] dvPart, float[] prefixParts, boolean[] pad) {
            int D = g.headDim(), S = g.keys(), P = g.prefix();
            for (int j = t.kBase; j < t.kEnd; j++) {
                if (pad != null && pad[b * S + j]) continue;
                int at = (b * S + j) * g.kvHeads() * D + kvh * D, c = t.column(j) * D;
                if (keyK) for (int d = 0; d < D; d++) dk[at + d] += dkPart[c + d];
                if (keyV) for (int d = 0; d < D; d++) dv[at + d] += dvPart[c + d];
            }
            int part = (b * g.heads() + h) * 2 * P * D;
            if (prefixK) System.arraycopy(dkPart, 0, prefixParts, part, P * D);
            if (prefixV) System.arraycopy(dvPart, 0, prefixParts, part + P * D, P * D);
        }

        /** dpk/dpv += the prefix partials, batch by batch, head by head. */
        void addPrefix(float[] prefixParts) {
            int H = g.heads(), KVH = g.kvHeads(), D = g.headDim(), P = g.prefix();
            for (int bh = 0; bh < g.batch() * H; bh++) {
                int kvh = bh % H / (H / KVH), part = bh * 2 * P * D;
                for (int p = 0; p < P; p++) {
                    int at = (p * KVH + kvh) * D, pOff = part + p * D;
                    if (prefixK) for (int d = 0; d < D; d++) dpk[at + d] += prefixParts[pOff + d];
                    if (prefixV) for (int d = 0; d < D; d++) dpv[at + d] += prefixParts[pOff + P * D + d];
                }
            }
        }
    }

    /**
     * One thread's packed keys, tiles and partials, kept between calls of the same geometry (every
     * layer of a training step) so that a step does not churn the collector. A chunk of work holds
     * them from start to end and runs no other task meanwhile, so one set per thread is enough.
     */
    private static final class Worker {
        private static final ThreadLocal<Worker> KEPT = new ThreadLocal<>();

        final Geometry g;
        final KvPanels t;
        final QueryBlock blk;
        final float[] s, ds;          // (BLOCK, cols) P, and dP then dS
        final float[] qp, dop;        // rows packing (D'/NR, BLOCK, NR) of the block's q and dout rows
        final float[] dkPart, dvPart; // (cols, D) one head's partials, for the per (batch, kv head) schedule
        final float[] scratch = new float[PanelGemm.SCRATCH];

        private Worker(Geometry g) {
            this.g = g;
            t = new KvPanels(g, KvPanels.Use.BACKWARD);
            blk = new QueryBlock(t, BLOCK);
            s = new float[BLOCK * t.cols];
            ds = new float[BLOCK * t.cols];
            qp = new float[t.dPanels * BLOCK * NR];
            dop = new float[qp.length];
            dkPart = new float[t.cols * g.headDim()];
            dvPart = new float[t.cols * g.headDim()];
        }

        static Worker of(Geometry g) {
            Worker w = KEPT.get();
            if (w == null || !w.g.equals(g)) KEPT.set(w = new Worker(g));
            return w;
        }

        /** dq rows of head h of sequence b, and the head's dk/dv partials (cols, D), overwritten; t holds (b, kvh). */
        void head(Grads grads, int b, int h, float[] dkPart, float[] dvPart, float[] lse, float[] dout, float[] q) {
            if (dkPart != null) Arrays.fill(dkPart, 0f);
            if (dvPart != null) Arrays.fill(dvPart, 0f);
            for (int qb = 0; qb < BlockedAttention.blocks(g); qb++) {
                BlockedAttention.setBlock(blk, qb);
                block(grads, b, h, dkPart, dvPart, lse, dout, q);
            }
        }

        private void block(Grads grads, int b, int h, float[] dkPart, float[] dvPart, float[] lse, float[] dout, float[] q) {
            int D = g.headDim(), H = g.heads(), T = g.queries(), W = blk.width, R = blk.rows, P = g.prefix();
            int P32 = t.prefix32, qo = ((b * T + blk.t0) * H + h) * D, rs = H * D, seg = W - P32;
            BlockedAttention.scores(s, q, qo, blk, t.kt, scratch);
            BlockedAttention.scores(ds, dout, qo, blk, t.vt, scratch); // dP = dout·vᵀ over the same columns
            for (int r = 0; r < R; r++) {
                float l = lse[(b * H + h) * T + blk.t0 + r];
                int off = r * W;
                if (l == Float.NEGATIVE_INFINITY) { // the row saw nothing: zero output, zero gradient
                    Arrays.fill(s, off, off + W, 0f);
                    Arrays.fill(ds, off, off + W, 0f);
                    continue;
                }
                BlockedAttention.maskedScores(s, off, blk, r);
                Rows.expShifted(s, off, off + P32, l); // P = exp(s - lse)
                Rows.expShifted(s, off + blk.from[r], off + blk.to[r], l);
                BlockedAttention.clearOutside(s, off, blk, r);
                BlockedAttention.clearOutside(ds, off, blk, r);
                dScores(s, ds, off, P32, blk.from[r], blk.to[r], g.scale());
            }
            int ldRows = t.cols * NR;
            if (grads.dq() != null) { // dq += dS·k
                if (P > 0) PanelGemm.gemm(grads.dq(), qo, rs, true, ds, 0, W, 1, R, t.kp, 0, ldRows, P, D, scratch);
                if (seg > 0) PanelGemm.gemmBanded(grads.dq(), qo, rs, true, ds, P32, W, 1, R, t.kp, blk.segCol * NR, ldRows, seg, D,
                        blk.tileLo, blk.tileHi, null, null, scratch);
            }
            if (dkPart != null) { // dkPart += dSᵀ·q
                KvPanels.packRows(qp, q, qo, rs, R, D);
                if (grads.prefixK()) PanelGemm.gemm(dkPart, 0, D, true, ds, 0, 1, W, P, qp, 0, R * NR, R, D, scratch);
                if (grads.keyK() && seg > 0) PanelGemm.gemmBanded(dkPart, blk.segCol * D, D, true, ds, P32, 1, W, seg, qp, 0, R * NR, R, D,
                        blk.keyLo, blk.keyHi, null, null, scratch);
            }
            if (dvPart != null) { // dvPart += Pᵀ·dout
                KvPanels.packRows(dop, dout, qo, rs, R, D);
                if (grads.prefixV()) PanelGemm.gemm(dvPart, 0, D, true, s, 0, 1, W, P, dop, 0, R * NR, R, D, scratch);
                if (grads.keyV() && seg > 0) PanelGemm.gemmBanded(dvPart, blk.segCol * D, D, true, s, P32, 1, W, seg, dop, 0, R * NR, R, D,
                        blk.keyLo, blk.keyHi, null, null, scratch);
            }
        }
    }

    /**
     * ds = scale · p ∘ (dp - Δ) over one row's prefix columns and vectors [from, to), Δ = Σ p ∘ dp;
     * p is zero wherever the row may not look, and ds already zero outside those columns.
     */
    private static void dScores(float[] p, float[] ds, int off, int P32, int from, int to, float scale) {
        float delta = AttentionKernels.dot(p, off, ds, off, P32) + AttentionKernels.dot(p, off + from, ds, off + from, to - from);
        FloatVector dv = FloatVector.broadcast(F, delta);
        for (int c = 0; c < P32; c += L) dScore(p, ds, off + c, dv, scale);
        for (int c = from; c < to; c += L) dScore(p, ds, off + c, dv, scale);
    }

    private static void dScore(float[] p, float[] ds, int at, FloatVector delta, float scale) {
        FloatVector.fromArray(F, p, at).mul(FloatVector.fromArray(F, ds, at).sub(delta)).mul(scale).intoArray(ds, at);
    }
}
