package dev.tailor.kernels;

import dev.tailor.kernels.AttentionKernels.Geometry;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.tailor.Approx.assertCloseToMax;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Both fast attention paths, the tiled one ({@link BlockedAttention}) and the row kernel, against
 * the scalar twins at sizes that leave ragged tiles everywhere, and the tile product against its
 * own twin. (AttentionOpsTest checks the op against finite differences through whichever path the
 * dispatch picks.)
 */
class AttentionKernelsTest {

    /** batch, T, S, P, H, KVH, D, causal (1/0), window, offset, padded keys per row (left padding, row b gets b·n) */
    private static final int[][] CASES = {
            {2, 50, 50, 0, 3, 3, 7, 1, 0, 0, 0},     // D 7, one head per kv head, T = 48 + 2
            {2, 97, 97, 0, 3, 1, 33, 1, 0, 0, 5},    // GQA 3/1, D 33, padding
            {1, 100, 100, 0, 2, 2, 64, 1, 20, 0, 0}, // sliding window narrower than a block
            {2, 61, 61, 3, 6, 2, 80, 1, 0, 0, 7},    // prefix + padding, D 80 (a ragged panel)
            {2, 13, 70, 2, 3, 1, 33, 1, 25, 57, 3},  // query offset (a cached prefill) + window + prefix + padding
            {2, 49, 49, 0, 2, 1, 16, 0, 0, 0, 9},    // not causal, with padding
            {3, 30, 30, 0, 2, 1, 8, 1, 0, 0, 12},    // rows 0..23 of batch 2 see no key at all
            {1, 20, 10, 0, 2, 1, 8, 1, 4, 5, 0},     // queries past the keys' window see nothing
            {1, 5, 5, 2, 3, 3, 64, 1, 0, 0, 0},      // fewer queries than a tile has rows
            {1, 7, 40, 0, 2, 1, 64, 0, 0, 0, 0},     // one key panel and a ragged one, no mask
    };

    private interface Forward { void run(float[] out, float[] lse, float[] q, float[] k, float[] v, float[] pk, float[] pv, boolean[] pad, Geometry g); }

    private interface Backward {
        void run(float[] dq, float[] dk, float[] dv, float[] dpk, float[] dpv, float[] lse, float[] dout,
                 float[] q, float[] k, float[] v, float[] pk, float[] pv, boolean[] pad, Geometry g);
    }

    @Test
    void blockedKernelMatchesScalarTwin() {
        for (int[] c : CASES) check(c, BlockedAttention::forward, BlockedBackward::backward, new Random(Arrays.hashCode(c)));
    }

    @Test
    void rowKernelMatchesScalarTwin() {
        for (int[] c : CASES) check(c, AttentionKernels::attentionRows, AttentionKernels::attentionBackwardRows, new Random(Arrays.hashCode(c)));
    }

    private static void check(int[] c, Forward forward, Backward backward, Random r) {
        Problem p = new Problem(c, r);
        String where = Arrays.toString(c);
        float[] out = new float[p.q.length], lse = new float[p.lseSize()];
        float[] outTwin = new float[p.q.length], lseTwin = new float[p.lseSize()];
        forward.run(out, lse, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
        AttentionKernels.attentionScalar(outTwin, lseTwin, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
        // outputs are convex combinations of N(0,1) values, lse is O(log S): only the summation
        // order differs (fma chains over D, blocked sums), a few float ulps of O(1) numbers
        assertArrayEquals(outTwin, out, 1e-5f, "out " + where);
        assertArrayEquals(lseTwin, lse, 1e-5f, "lse " + where);
        for (int i = 0; i < lse.length; i++) {
            if (lseTwin[i] == Float.NEGATIVE_INFINITY) assertEquals(Float.NEGATIVE_INFINITY, lse[i], "lse of a blind row " + where);
        }

        float[] dout = random(r, p.q.length);
        float[][] fast = p.grads(), twin = p.grads();
        backward.run(fast[0], fast[1], fast[2], fast[3], fast[4], lse, dout, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
        AttentionKernels.attentionBackwardScalar(twin[0], twin[1], twin[2], twin[3], twin[4], lse, dout, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
        String[] names = {"dq", "dk", "dv", "dprefixK", "dprefixV"};
        for (int n = 0; n < 5; n++) {
            if (twin[n] == null) continue;
            // the same terms summed in other orders (sums over up to S keys or T queries of O(1)
            // products): 1e-5 of the tensor's largest gradient, 100x tighter than the project's 1e-3
            assertCloseToMax(twin[n], fast[n], 1e-5, names[n] + " " + where);
        }
    }

    @Test
    void blindRowsGetZerosFromTheBlockedKernel() {
        int[] c = CASES[6];
        Problem p = new Problem(c, new Random(1));
        float[] out = new float[p.q.length], lse = new float[p.lseSize()];
        BlockedAttention.forward(out, lse, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
        int T = c[1], H = c[4], D = c[6], rowLen = H * D;
        float[] dq = new float[p.q.length], dk = new float[p.k.length], dv = new float[p.k.length];
        BlockedBackward.backward(dq, dk, dv, null, null, lse, random(new Random(2), p.q.length), p.q, p.k, p.v, null, null, p.pad, p.g);
        int blind = 2 * c[10]; // batch 2: keys 0..23 padded, so causal queries 0..23 see nothing
        for (int i = 0; i < blind; i++) {
            int at = (2 * T + i) * rowLen;
            assertArrayEquals(new float[rowLen], Arrays.copyOfRange(out, at, at + rowLen), "out of blind row " + i);
            assertArrayEquals(new float[rowLen], Arrays.copyOfRange(dq, at, at + rowLen), "dq of blind row " + i);
            for (int h = 0; h < H; h++) assertEquals(Float.NEGATIVE_INFINITY, lse[(2 * H + h) * T + i]);
            int kAt = (2 * T + i) * c[5] * D;
            assertArrayEquals(new float[c[5] * D], Arrays.copyOfRange(dk, kAt, kAt + c[5] * D), "dk of padded key " + i);
        }
    }

    @Test
    void eachSequenceGetsTheSameBitsAloneOrInABatch() {
        // the work split depends on the batch (and the thread count); the sums must not
        int[] c = {3, 70, 70, 0, 6, 2, 64, 1, 0, 0, 5};
        Problem p = new Problem(c, new Random(3));
        float[] dout = random(new Random(4), p.q.length);
        float[][] all = run(p, dout);
        int T = c[1], qRow = T * c[4] * c[6], kRow = T * c[5] * c[6];
        for (int b = 0; b < c[0]; b++) {
            int[] one = c.clone();
            one[0] = 1;
            Problem pb = p.sequence(b, one);
            float[][] alone = run(pb, Arrays.copyOfRange(dout, b * qRow, (b + 1) * qRow));
            assertArrayEquals(Arrays.copyOfRange(all[0], b * qRow, (b + 1) * qRow), alone[0], 0f, "out of sequence " + b);
            assertArrayEquals(Arrays.copyOfRange(all[1], b * qRow, (b + 1) * qRow), alone[1], 0f, "dq of sequence " + b);
            assertArrayEquals(Arrays.copyOfRange(all[2], b * kRow, (b + 1) * kRow), alone[2], 0f, "dk of sequence " + b);
            assertArrayEquals(Arrays.copyOfRange(all[3], b * kRow, (b + 1) * kRow), alone[3], 0f, "dv of sequence " + b);
        }
    }

    @Test
    void bothBackwardSchedulesGiveTheSameBits() {
        // per (batch, kv head) units and per (batch, head) units: the dispatch picks by thread count
        for (int[] c : CASES) {
            Random r = new Random(Arrays.hashCode(c) + 1);
            Problem p = new Problem(c, r);
            float[] out = new float[p.q.length], lse = new float[p.lseSize()], dout = random(r, p.q.length);
            BlockedAttention.forward(out, lse, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g);
            float[][] units = p.grads(), heads = p.grads();
            BlockedBackward.backward(units[0], units[1], units[2], units[3], units[4], lse, dout, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g, false);
            BlockedBackward.backward(heads[0], heads[1], heads[2], heads[3], heads[4], lse, dout, p.q, p.k, p.v, p.pk, p.pv, p.pad, p.g, true);
            for (int n = 0; n < 5; n++) if (units[n] != null) assertArrayEquals(units[n], heads[n], 0f, "gradient " + n + " " + Arrays.toString(c));
        }
    }

    /** out, dq, dk, dv through the blocked kernel. */
    private static float[][] run(Problem p, float[] dout) {
        float[] out = new float[p.q.length], lse = new float[p.lseSize()];
        BlockedAttention.forward(out, lse, p.q, p.k, p.v, null, null, p.pad, p.g);
        float[] dq = new float[p.q.length], dk = new float[p.k.length], dv = new float[p.k.length];
        BlockedBackward.backward(dq, dk, dv, null, null, lse, dout, p.q, p.k, p.v, null, null, p.pad, p.g);
        return new float[][] {out, dq, dk, dv};
    }

    @Test
    void panelProductMatchesItsTwinBitForBit() {
        Random r = new Random(5);
        int NR = PanelGemm.NR, MR = PanelGemm.MR;
        for (int[] s : new int[][] {{6, 64, 32}, {13, 7, 45}, {1, 1, 1}, {32, 48, 64}, {5, 33, 80}, {40, 20, 130}}) {
            int m = s[0], kc = s[1], n = s[2], panels = (n + NR - 1) / NR, tiles = (m + MR - 1) / MR;
            float[] bp = random(r, panels * kc * NR);
            for (int variant = 0; variant < 4; variant++) {
                boolean transposed = (variant & 1) == 1, banded = variant >= 2;
                float[] a = random(r, m * kc);
                int rs = transposed ? 1 : kc, ks = transposed ? m : 1;
                int[] kLo = null, kHi = null, nLo = null, nHi = null;
                if (banded) { // random bands, some empty
                    kLo = new int[tiles]; kHi = new int[tiles]; nLo = new int[tiles]; nHi = new int[tiles];
                    for (int i = 0; i < tiles; i++) {
                        kLo[i] = r.nextInt(kc + 1); kHi[i] = kLo[i] + r.nextInt(kc + 1 - kLo[i]);
                        nLo[i] = r.nextInt(n + 1); nHi[i] = nLo[i] + r.nextInt(n + 1 - nLo[i]);
                    }
                }
                for (boolean add : new boolean[] {false, true}) {
                    float[] c0 = random(r, m * (n + 3)), c1 = c0.clone();
                    PanelGemm.gemmBanded(c0, 0, n + 3, add, a, 0, rs, ks, m, bp, 0, kc * NR, kc, n, kLo, kHi, nLo, nHi, new float[PanelGemm.SCRATCH]);
                    PanelGemm.gemmBandedScalar(c1, 0, n + 3, add, a, 0, rs, ks, m, bp, 0, kc * NR, kc, n, kLo, kHi, nLo, nHi);
                    assertArrayEquals(c1, c0, 0f, Arrays.toString(s) + " variant " + variant + " add " + add);
                }
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Random inputs of one case. */
    private static final class Problem {
        final Geometry g;
        final float[] q, k, v, pk, pv;
        final boolean[] pad;

        Problem(int[] c, Random r) {
            this(new Geometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], (float) (1 / Math.sqrt(c[6])), c[7] == 1, c[8], c[9]),
                    random(r, c[0] * c[1] * c[4] * c[6]), random(r, c[0] * c[2] * c[5] * c[6]), random(r, c[0] * c[2] * c[5] * c[6]),
                    c[3] > 0 ? random(r, c[3] * c[5] * c[6]) : null, c[3] > 0 ? random(r, c[3] * c[5] * c[6]) : null,
                    c[10] > 0 ? leftPadding(c[0], c[2], c[10]) : null);
        }

        private Problem(Geometry g, float[] q, float[] k, float[] v, float[] pk, float[] pv, boolean[] pad) {
            this.g = g; this.q = q; this.k = k; this.v = v; this.pk = pk; this.pv = pv; this.pad = pad;
        }

        int lseSize() { return g.batch() * g.heads() * g.queries(); }

        float[][] grads() {
            return new float[][] {new float[q.length], new float[k.length], new float[k.length],
                    pk == null ? null : new float[pk.length], pk == null ? null : new float[pk.length]};
        }

        /** Sequence b alone, as a batch of one (no prefix). */
        Problem sequence(int b, int[] c) {
            int qn = q.length / g.batch(), kn = k.length / g.batch(), S = g.keys();
            Geometry one = new Geometry(1, c[1], c[2], 0, c[4], c[5], c[6], g.scale(), g.causal(), g.window(), g.queryOffset());
            return new Problem(one, Arrays.copyOfRange(q, b * qn, (b + 1) * qn), Arrays.copyOfRange(k, b * kn, (b + 1) * kn),
                    Arrays.copyOfRange(v, b * kn, (b + 1) * kn), null, null, pad == null ? null : Arrays.copyOfRange(pad, b * S, (b + 1) * S));
        }
    }

    private static boolean[] leftPadding(int B, int S, int padded) {
        boolean[] pad = new boolean[B * S];
        for (int b = 1; b < B; b++) for (int j = 0; j < Math.min(S, padded * b); j++) pad[b * S + j] = true;
        return pad;
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

}
