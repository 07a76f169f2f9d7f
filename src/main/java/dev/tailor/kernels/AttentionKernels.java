package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scaled dot-product attention with grouped-query heads, causal and sliding-window masks, key
 * padding and always-visible prefix keys, without ever storing a (T, S) score matrix: the forward
 * saves only the log-sum-exp of each query row; the backward recomputes the probabilities from it.
 *
 * <p>Layouts (row-major, float32): q and out (B, T, H*D); k and v (B, S, KVH*D); prefix keys and
 * values (P, KVH*D), shared by every sequence of the batch; padding (B*S), true = padded key.
 * Query head h reads kv head h / (H / KVH). Query i sits at absolute position queryOffset + i and
 * sees key j iff (!causal || j <= queryOffset+i) && (window == 0 || j > queryOffset+i-window) &&
 * !pad[j]; it always sees every prefix key. A query that sees no key gets a zero output (and zero
 * gradients): this happens only to rows whose keys are all padding, whose loss is masked anyway.
 *
 * <p>Two paths, one contract. Calls with at least {@link BlockedAttention#MIN_QUERIES} queries
 * (training, prefill) take the tiled path, {@link BlockedAttention} and {@link BlockedBackward}:
 * blocks of queries against panel-packed keys with a GEMM register tile, a single backward pass.
 * Fewer queries (decoding) take the row kernel below, one query row per work item, where a tile
 * would be mostly empty. Both give results independent of the thread count and timing.
 *
 * <p>The row kernel's work split (once per pass over the thread pool): the forward and the dQ pass
 * of the backward run over (batch × head × query row); the dK/dV pass runs over (batch × kv head ×
 * key), so every gradient row has exactly one writer; prefix gradients run over (kv head × prefix
 * key), each summing over the batch. The price is that its backward computes q·k and dout·v twice
 * (once per pass): about 3.5x the forward's work instead of 2.5x.
 *
 * <p>Memory: besides the output, the forward saves B·H·T floats (log-sum-exp); the row backward
 * adds B·H·T floats (Δ) and per thread one row of P+S (or T) floats (see the tiled classes for
 * theirs). Work is O(B·H·T·(P+S_seen)·D), where S_seen is the number of keys a query may see
 * (≈ S/2 causal, ≤ window with a window).
 */
public final class AttentionKernels {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private AttentionKernels() {}

    /**
     * Sizes and masking rules of one call.
     *
     * @param batch    B
     * @param queries  T
     * @param keys     S (not counting the prefix)
     * @param prefix   P (0 without prefix keys)
     */
    public record Geometry(int batch, int queries, int keys, int prefix, int heads, int kvHeads, int headDim,
                           float scale, boolean causal, int window, int queryOffset) {

        /** First key (inclusive) that query i may see, before padding. */
        int firstKey(int i) { return window > 0 ? Math.max(0, queryOffset + i - window + 1) : 0; }

        /** Last key (inclusive) that query i may see, before padding. */
        int lastKey(int i) { return causal ? Math.min(keys - 1, queryOffset + i) : keys - 1; }

        /** First query (inclusive) that sees key j, before padding. */
        int firstQuery(int j) { return causal ? Math.max(0, j - queryOffset) : 0; }

        /** Last query (inclusive) that sees key j, before padding. */
        int lastQuery(int j) { return window > 0 ? Math.min(queries - 1, j - queryOffset + window - 1) : queries - 1; }

        /** The visibility rule itself, as the specification states it (used by the scalar twins). */
        boolean sees(int i, int j) {
            int pos = queryOffset + i;
            return (!causal || j <= pos) && (window == 0 || j > pos - window);
        }
    }

    // ---------------------------------------------------------------- forward

    /**
     * out = softmax(scale · q kᵀ + mask) v, per (batch, head).
     *
     * @param out (B, T, H*D) zero on entry
     * @param lse (B, H, T) saved for backward: log Σ exp(score) per query row, -inf for a row that sees nothing
     */
    public static void attention(float[] out, float[] lse, float[] q, float[] k, float[] v,
                                 float[] pk, float[] pv, boolean[] pad, Geometry g) {
        if (BlockedAttention.suits(g)) BlockedAttention.forward(out, lse, q, k, v, pk, pv, pad, g);
        else attentionRows(out, lse, q, k, v, pk, pv, pad, g);
    }

    /** The row kernel behind {@link #attention}: one query row per work item. */
    static void attentionRows(float[] out, float[] lse, float[] q, float[] k, float[] v,
                              float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int width = g.prefix() + g.keys(), T = g.queries();
        Parallel.forChunks(g.batch() * g.heads() * T, 4, (chunk, from, to) -> {
            float[] w = new float[width]; // (P + S) scores, then weights, of one query row
            for (int e = from; e < to; e++) {
                int bh = e / T;
                forwardRow(out, lse, q, k, v, pk, pv, pad, g, bh / g.heads(), bh % g.heads(), zigzag(e % T, T), w);
            }
        });
    }

    private static void forwardRow(float[] out, float[] lse, float[] q, float[] k, float[] v, float[] pk, float[] pv,
                                   boolean[] pad, Geometry g, int b, int h, int i, float[] w) {
        int D = g.headDim(), P = g.prefix(), S = g.keys(), kvStride = g.kvHeads() * D;
        int kvOff = h / (g.heads() / g.kvHeads()) * D;
        int qo = (b * g.queries() + i) * g.heads() * D + h * D;
        int lo = g.firstKey(i), hi = g.lastKey(i);
        float max = Float.NEGATIVE_INFINITY;
        for (int p = 0; p < P; p++) {
            w[p] = g.scale() * dot(q, qo, pk, p * kvStride + kvOff, D);
            max = Math.max(max, w[p]);
        }
        for (int j = lo; j <= hi; j++) {
            if (pad != null && pad[b * S + j]) { w[P + j] = Float.NEGATIVE_INFINITY; continue; }
            w[P + j] = g.scale() * dot(q, qo, k, (b * S + j) * kvStride + kvOff, D);
            max = Math.max(max, w[P + j]);
        }
        int row = (b * g.heads() + h) * g.queries() + i;
        if (max == Float.NEGATIVE_INFINITY) { lse[row] = Float.NEGATIVE_INFINITY; return; }
        float sum = Rows.expShifted(w, 0, P, max) + Rows.expShifted(w, P + lo, P + hi + 1, max);
        float inv = 1f / sum;
        for (int p = 0; p < P; p++) axpy(w[p] * inv, pv, p * kvStride + kvOff, out, qo, D);
        for (int j = lo; j <= hi; j++) {
            if (w[P + j] != 0f) axpy(w[P + j] * inv, v, (b * S + j) * kvStride + kvOff, out, qo, D);
        }
        lse[row] = max + (float) Math.log(sum);
    }

    /** Scalar twin of {@link #attention}: builds each head's full (T, P+S) score matrix, single-threaded. */
    public static void attentionScalar(float[] out, float[] lse, float[] q, float[] k, float[] v,
                                       float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int T = g.queries(), P = g.prefix(), S = g.keys(), D = g.headDim(), H = g.heads();
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < H; h++) {
                float[][] prob = probabilities(q, k, pk, pad, g, b, h);
                int kvh = h / (H / g.kvHeads());
                for (int i = 0; i < T; i++) {
                    lse[(b * H + h) * T + i] = prob[i][P + S];
                    for (int c = 0; c < P + S; c++) {
                        float[] src = c < P ? pv : v;
                        int so = c < P ? (c * g.kvHeads() + kvh) * D : ((b * S + c - P) * g.kvHeads() + kvh) * D;
                        for (int d = 0; d < D; d++) out[((b * T + i) * H + h) * D + d] += prob[i][c] * src[so + d];
                    }
                }
            }
        }
    }

    /**
     * (T, P+S+1) softmax probabilities of head (b, h), masked entries 0; the last column holds the
     * row's log-sum-exp (-inf for a row that sees nothing).
     */
    private static float[][] probabilities(float[] q, float[] k, float[] pk, boolean[] pad, Geometry g, int b, int h) {
        int T = g.queries(), P = g.prefix(), S = g.keys(), D = g.headDim(), H = g.heads(), KVH = g.kvHeads();
        int kvh = h / (H / KVH);
        float[][] prob = new float[T][P + S + 1];
        for (int i = 0; i < T; i++) {
            float[] s = prob[i];
            boolean[] visible = new boolean[P + S];
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < P + S; c++) {
                int j = c - P;
                visible[c] = c < P || g.sees(i, j) && (pad == null || !pad[b * S + j]);
                if (!visible[c]) continue;
                float[] src = c < P ? pk : k;
                int so = c < P ? (c * KVH + kvh) * D : ((b * S + j) * KVH + kvh) * D;
                float dot = 0;
                for (int d = 0; d < D; d++) dot += q[((b * T + i) * H + h) * D + d] * src[so + d];
                s[c] = g.scale() * dot;
                max = Math.max(max, s[c]);
            }
            float sum = 0;
            for (int c = 0; c < P + S; c++) { s[c] = visible[c] ? (float) Math.exp(s[c] - max) : 0f; sum += s[c]; }
            for (int c = 0; c < P + S; c++) s[c] = sum > 0 ? s[c] / sum : 0f;
            s[P + S] = sum > 0 ? max + (float) Math.log(sum) : Float.NEGATIVE_INFINITY;
        }
        return prob;
    }

    // ---------------------------------------------------------------- backward

    /**
     * Adds the gradients of {@code out = attention(q, k, v, pk, pv)} given dout. A null gradient
     * array means that input needs none. With p = softmax row, dp_j = dout·v_j, Δ = Σ_j p_j dp_j:
     * ds_j = p_j (dp_j - Δ); dq += scale Σ_j ds_j k_j; dk_j += scale ds_j q; dv_j += p_j dout.
     *
     * @param lse  (B, H, T) from the forward
     * @param dout (B, T, H*D)
     */
    public static void attentionBackward(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv,
                                         float[] lse, float[] dout, float[] q, float[] k, float[] v,
                                         float[] pk, float[] pv, boolean[] pad, Geometry g) {
        if (BlockedAttention.suits(g)) BlockedBackward.backward(dq, dk, dv, dpk, dpv, lse, dout, q, k, v, pk, pv, pad, g);
        else attentionBackwardRows(dq, dk, dv, dpk, dpv, lse, dout, q, k, v, pk, pv, pad, g);
    }

    /** The row kernels behind {@link #attentionBackward}: a query pass for dq, a key pass for dk and dv. */
    static void attentionBackwardRows(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv,
                                      float[] lse, float[] dout, float[] q, float[] k, float[] v,
                                      float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int B = g.batch(), H = g.heads(), KVH = g.kvHeads(), S = g.keys(), P = g.prefix();
        boolean keyGrads = dk != null || dv != null, prefixGrads = P > 0 && (dpk != null || dpv != null);
        float[] delta = new float[B * H * g.queries()]; // (B, H, T) Δ of each query row
        int T = g.queries();
        if (dq != null || dk != null || dpk != null) Parallel.forChunks(B * H * T, 4, (chunk, from, to) -> {
            float[] w = new float[P + S];  // (P + S) probabilities of one row
            float[] dp = new float[P + S]; // (P + S) dout · v_j of one row
            for (int e = from; e < to; e++) {
                int bh = e / T;
                queryRowBackward(dq, delta, lse, dout, q, k, v, pk, pv, pad, g, bh / H, bh % H, zigzag(e % T, T), w, dp);
            }
        });
        if (keyGrads) {
            Parallel.forChunks(B * KVH * S, 16, (chunk, from, to) -> {
                float[] w = new float[g.queries()]; // (T) probabilities of one key over the queries
                for (int e = from; e < to; e++) {
                    int b = e / (KVH * S), kvh = e / S % KVH, j = zigzag(e % S, S);
                    if (pad != null && pad[b * S + j]) continue;
                    int ko = (b * S + j) * KVH * g.headDim() + kvh * g.headDim();
                    keyBackward(dk, dv, ko, delta, lse, dout, q, k, v, ko, g, b, kvh, g.firstQuery(j), g.lastQuery(j), w);
                }
            });
        }
        if (prefixGrads) {
            Parallel.forChunks(KVH * P, 1, (chunk, from, to) -> {
                float[] w = new float[g.queries()]; // (T)
                for (int e = from; e < to; e++) {
                    int kvh = e / P, p = e % P;
                    int ko = (p * KVH + kvh) * g.headDim();
                    for (int b = 0; b < B; b++) keyBackward(dpk, dpv, ko, delta, lse, dout, q, pk, pv, ko, g, b, kvh, 0, g.queries() - 1, w);
                }
            });
        }
    }

    /** dq of one query row, and its Δ = Σ_j p_j (dout · v_j) for the key pass. */
    private static void queryRowBackward(float[] dq, float[] delta, float[] lse, float[] dout, float[] q, float[] k, float[] v,
                                         float[] pk, float[] pv, boolean[] pad, Geometry g, int b, int h, int i,
                                         float[] w, float[] dp) {
        int D = g.headDim(), P = g.prefix(), S = g.keys(), kvStride = g.kvHeads() * D;
        int kvOff = h / (g.heads() / g.kvHeads()) * D;
        int row = (b * g.heads() + h) * g.queries() + i;
        float l = lse[row];
        if (l == Float.NEGATIVE_INFINITY) return; // the row saw nothing: zero output, zero gradient
        int qo = (b * g.queries() + i) * g.heads() * D + h * D;
        int lo = g.firstKey(i), hi = g.lastKey(i);
        int n = P + Math.max(0, hi - lo + 1); // compact row: prefix keys, then keys lo..hi
        for (int c = 0; c < n; c++) {
            boolean isPrefix = c < P;
            int j = lo + c - P;
            if (!isPrefix && pad != null && pad[b * S + j]) { w[c] = Float.NEGATIVE_INFINITY; continue; }
            w[c] = g.scale() * dot(q, qo, isPrefix ? pk : k, isPrefix ? c * kvStride + kvOff : (b * S + j) * kvStride + kvOff, D);
        }
        Rows.expShifted(w, 0, n, l); // probabilities p = exp(s - lse)
        float d = 0;
        for (int c = 0; c < n; c++) {
            if (w[c] == 0f) continue;
            boolean isPrefix = c < P;
            int ko = isPrefix ? c * kvStride + kvOff : (b * S + lo + c - P) * kvStride + kvOff;
            dp[c] = dot(dout, qo, isPrefix ? pv : v, ko, D);
            d += w[c] * dp[c];
        }
        delta[row] = d;
        if (dq == null) return;
        for (int c = 0; c < n; c++) {
            if (w[c] == 0f) continue;
            boolean isPrefix = c < P;
            int ko = isPrefix ? c * kvStride + kvOff : (b * S + lo + c - P) * kvStride + kvOff;
            axpy(g.scale() * w[c] * (dp[c] - d), isPrefix ? pk : k, ko, dq, qo, D);
        }
    }

    /**
     * dk and dv of one key row (offset ko in keys/values and in their gradients) from the queries
     * [iLo, iHi] of sequence b over every query head of kv head kvh.
     */
    private static void keyBackward(float[] dk, float[] dv, int gradOff, float[] delta, float[] lse, float[] dout,
                                    float[] q, float[] keys, float[] values, int ko, Geometry g, int b, int kvh,
                                    int iLo, int iHi, float[] w) {
        int D = g.headDim(), H = g.heads(), T = g.queries(), group = H / g.kvHeads();
        for (int h = kvh * group; h < (kvh + 1) * group; h++) {
            for (int i = iLo; i <= iHi; i++) { // w[i - iLo] = s - lse, then p
                float l = lse[(b * H + h) * T + i];
                w[i - iLo] = l == Float.NEGATIVE_INFINITY ? l : g.scale() * dot(q, (b * T + i) * H * D + h * D, keys, ko, D) - l;
            }
            Rows.expShifted(w, 0, Math.max(0, iHi - iLo + 1), 0f);
            for (int i = iLo; i <= iHi; i++) {
                int row = (b * H + h) * T + i;
                int qo = (b * T + i) * H * D + h * D;
                float p = w[i - iLo];
                if (p == 0f) continue;
                if (dv != null) axpy(p, dout, qo, dv, gradOff, D);
                if (dk != null) {
                    float ds = p * (dot(dout, qo, values, ko, D) - delta[row]);
                    axpy(g.scale() * ds, q, qo, dk, gradOff, D);
                }
            }
        }
    }

    /** Scalar twin of {@link #attentionBackward}: full probability matrices per head, single-threaded. */
    public static void attentionBackwardScalar(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv,
                                               float[] lse, float[] dout, float[] q, float[] k, float[] v,
                                               float[] pk, float[] pv, boolean[] pad, Geometry g) {
        int T = g.queries(), P = g.prefix(), S = g.keys(), D = g.headDim(), H = g.heads(), KVH = g.kvHeads();
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < H; h++) {
                float[][] prob = probabilities(q, k, pk, pad, g, b, h);
                int kvh = h / (H / KVH);
                for (int i = 0; i < T; i++) {
                    int qo = ((b * T + i) * H + h) * D;
                    float[] dp = new float[P + S];
                    float delta = 0;
                    for (int c = 0; c < P + S; c++) {
                        int so = c < P ? (c * KVH + kvh) * D : ((b * S + c - P) * KVH + kvh) * D;
                        float[] vals = c < P ? pv : v;
                        for (int d = 0; d < D; d++) dp[c] += dout[qo + d] * vals[so + d];
                        delta += prob[i][c] * dp[c];
                    }
                    for (int c = 0; c < P + S; c++) {
                        boolean isPrefix = c < P;
                        int so = isPrefix ? (c * KVH + kvh) * D : ((b * S + c - P) * KVH + kvh) * D;
                        float[] keys = isPrefix ? pk : k, gk = isPrefix ? dpk : dk, gv = isPrefix ? dpv : dv;
                        float ds = prob[i][c] * (dp[c] - delta);
                        for (int d = 0; d < D; d++) {
                            if (dq != null) dq[qo + d] += g.scale() * ds * keys[so + d];
                            if (gk != null) gk[so + d] += g.scale() * ds * q[qo + d];
                            if (gv != null) gv[so + d] += prob[i][c] * dout[qo + d];
                        }
                    }
                }
            }
        }
    }

    /**
     * The r-th of 0, n-1, 1, n-2, ...: under a causal mask row i costs ~i, so walking rows in this
     * order gives every contiguous chunk of work items about the same cost.
     */
    static int zigzag(int r, int n) {
        return (r & 1) == 0 ? r >> 1 : n - 1 - (r >> 1);
    }

    // ---------------------------------------------------------------- vector primitives

    /** Σ a[ao+i] · b[bo+i] over n elements; two accumulators hide the FMA latency. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int L = F.length(), i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
            acc1 = FloatVector.fromArray(F, a, ao + i + L).fma(FloatVector.fromArray(F, b, bo + i + L), acc1);
        }
        for (; i + L <= n; i += L) acc0 = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc0);
        float s = Lanes.sum(acc0.add(acc1));
        for (; i < n; i++) s += a[ao + i] * b[bo + i];
        return s;
    }

    /** y[yo+i] += alpha · x[xo+i] over n elements. */
    static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        FloatVector a = FloatVector.broadcast(F, alpha);
        int L = F.length(), i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(a, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += alpha * x[xo + i];
    }
}
