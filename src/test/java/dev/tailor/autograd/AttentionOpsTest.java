package dev.tailor.autograd;

import dev.tailor.autograd.AttentionOps.AttentionSpec;
import dev.tailor.kernels.AttentionKernels;
import dev.tailor.kernels.AttentionKernels.Geometry;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static dev.tailor.Approx.assertCloseToMax;
import static dev.tailor.autograd.RopeOpsTest.random;
import static dev.tailor.autograd.RopeOpsTest.weightedSum;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Attention against hand-computed cases, the fast kernels against their scalar twins, the analytic
 * gradients against central finite differences of an independent double-precision reference
 * (written here from the masking rule in API.md), and query-offset blocks against full attention.
 */
class AttentionOpsTest {

    private static final float LN3 = (float) Math.log(3);

    private static Tensor t(float[] data, int... dims) { return Tensor.of(data, dims); }

    // ------------------------------------------------------------------ hand-computed cases

    @Test
    void softmaxWeightsByHand() {
        // one head, D = 1, scale 1: q = 1, k = (0, ln 3), v = (2, 6).
        // query 0 sees key 0 only -> 2; query 1 weighs the keys 1:3 -> 2/4 + 6·3/4 = 5
        var spec = new AttentionSpec(1, 1, 1, 1f, true, 0, 0);
        float[] y = AttentionOps.attention(t(new float[] {1, 1}, 1, 2, 1), t(new float[] {0, LN3}, 1, 2, 1),
                t(new float[] {2, 6}, 1, 2, 1), null, null, null, spec).data();
        assertArrayEquals(new float[] {2, 5}, y, 1e-6f);
        // a prefix key (score 0, value 20) is seen by both: (20 + 2)/2 = 11 and (20 + 2 + 3·6)/5 = 8
        float[] yp = AttentionOps.attention(t(new float[] {1, 1}, 1, 2, 1), t(new float[] {0, LN3}, 1, 2, 1),
                t(new float[] {2, 6}, 1, 2, 1), t(new float[] {0}, 1, 1), t(new float[] {20}, 1, 1), null, spec).data();
        assertArrayEquals(new float[] {11, 8}, yp, 1e-5f);
        // padding key 1 leaves query 1 with key 0 alone -> 2
        float[] ypad = AttentionOps.attention(t(new float[] {1, 1}, 1, 2, 1), t(new float[] {0, LN3}, 1, 2, 1),
                t(new float[] {2, 6}, 1, 2, 1), null, null, new boolean[] {false, true}, spec).data();
        assertArrayEquals(new float[] {2, 2}, ypad, 1e-6f);
    }

    @Test
    void windowOfOneSeesOnlyItself() {
        Random r = new Random(3);
        int T = 9, D = 4;
        float[] v = random(r, T * D);
        var spec = new AttentionSpec(1, 1, D, 0.5f, true, 1, 0);
        float[] y = AttentionOps.attention(t(random(r, T * D), 1, T, D), t(random(r, T * D), 1, T, D), t(v, 1, T, D),
                null, null, null, spec).data();
        assertArrayEquals(v, y, 1e-6f);
    }

    @Test
    void groupedQueryHeadsReadTheirKvHead() {
        // one key: every query head's output is the value of its kv head; heads 0,1 -> kv 0, heads 2,3 -> kv 1
        float[] v = {1, 2, 3, 4, 5, 6}; // (1, 1, 2*3)
        Random r = new Random(4);
        float[] y = AttentionOps.attention(t(random(r, 12), 1, 1, 12), t(random(r, 6), 1, 1, 6), t(v, 1, 1, 6),
                null, null, null, AttentionSpec.causal(4, 2, 3)).data();
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, y, 1e-6f);
    }

    @Test
    void queryThatSeesNoKeyGetsZerosAndNoGradient() {
        // left padding: keys 0 and 1 padded, so causal queries 0 and 1 see nothing; query 2 sees key 2 only
        int T = 3, D = 2;
        Random r = new Random(5);
        Tensor q = t(random(r, T * D), 1, T, D).requiresGrad(true);
        Tensor k = t(random(r, T * D), 1, T, D).requiresGrad(true);
        float[] vs = random(r, T * D);
        Tensor v = t(vs, 1, T, D).requiresGrad(true);
        Tensor y = AttentionOps.attention(q, k, v, null, null, new boolean[] {true, true, false}, AttentionSpec.causal(1, 1, D));
        assertArrayEquals(new float[] {0, 0, 0, 0, vs[4], vs[5]}, y.data(), 1e-6f);
        Tape.backward(weightedSum(y, random(r, T * D)));
        for (float g : q.grad()) assertTrue(Float.isFinite(g));
        assertArrayEquals(new float[4], Arrays.copyOf(q.grad(), 4), "rows that see nothing get no gradient");
        assertArrayEquals(new float[4], Arrays.copyOf(k.grad(), 4), "padded keys get no gradient");
        assertArrayEquals(new float[4], Arrays.copyOf(v.grad(), 4), "padded values get no gradient");
    }

    // ------------------------------------------------------------------ fast vs scalar twin

    /** batch, T, S, P, H, KVH, D, causal (1/0), window, offset, padded keys per row (left padding) */
    private static final int[][] CASES = {
            {2, 7, 7, 0, 2, 2, 6, 1, 0, 0, 0},     // plain causal, odd sizes
            {2, 9, 9, 0, 4, 2, 10, 1, 0, 0, 0},    // GQA 4/2
            {1, 33, 33, 0, 4, 1, 64, 1, 0, 0, 0},  // GQA 4/1, full vectors
            {2, 17, 17, 0, 4, 2, 16, 1, 8, 0, 0},  // sliding window 8 over 17 tokens
            {2, 7, 7, 3, 4, 2, 10, 1, 0, 0, 2},    // prefix + left padding
            {3, 3, 10, 2, 2, 2, 33, 1, 4, 7, 1},   // query offset (decoding block) + window + prefix + padding
            {2, 7, 7, 0, 2, 1, 6, 0, 0, 0, 3},     // not causal, with padding
    };

    private static Geometry geometry(int[] c, float scale) {
        return new Geometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], scale, c[7] == 1, c[8], c[9]);
    }

    private static boolean[] leftPadding(int B, int S, int padded) {
        boolean[] pad = new boolean[B * S];
        for (int b = 1; b < B; b++) for (int j = 0; j < Math.min(S, padded * b); j++) pad[b * S + j] = true;
        return pad;
    }

    @Test
    void fastKernelsMatchScalarTwins() {
        Random r = new Random(6);
        for (int[] c : CASES) {
            Geometry g = geometry(c, (float) (1 / Math.sqrt(c[6])));
            int B = c[0], T = c[1], S = c[2], P = c[3], H = c[4], KVH = c[5], D = c[6];
            float[] q = random(r, B * T * H * D), k = random(r, B * S * KVH * D), v = random(r, B * S * KVH * D);
            float[] pk = P > 0 ? random(r, P * KVH * D) : null, pv = P > 0 ? random(r, P * KVH * D) : null;
            boolean[] pad = c[10] > 0 ? leftPadding(B, S, c[10]) : null;
            float[] out = new float[q.length], lse = new float[B * H * T];
            float[] outTwin = new float[q.length], lseTwin = new float[B * H * T];
            AttentionKernels.attention(out, lse, q, k, v, pk, pv, pad, g);
            AttentionKernels.attentionScalar(outTwin, lseTwin, q, k, v, pk, pv, pad, g);
            String where = Arrays.toString(c);
            // outputs are convex combinations of N(0,1) values; summation order alone differs: 1e-5
            assertArrayEquals(outTwin, out, 1e-5f, "out " + where);
            assertArrayEquals(lseTwin, lse, 1e-5f, "lse " + where);

            float[] dout = random(r, q.length);
            float[][] fast = grads(q, k, pk), twin = grads(q, k, pk);
            AttentionKernels.attentionBackward(fast[0], fast[1], fast[2], fast[3], fast[4], lse, dout, q, k, v, pk, pv, pad, g);
            AttentionKernels.attentionBackwardScalar(twin[0], twin[1], twin[2], twin[3], twin[4], lse, dout, q, k, v, pk, pv, pad, g);
            String[] names = {"dq", "dk", "dv", "dprefixK", "dprefixV"};
            for (int n = 0; n < 5; n++) {
                if (twin[n] == null) continue;
                // the two accumulate the same terms in different orders: 1e-5 of the largest gradient
                assertCloseToMax(twin[n], fast[n], 1e-5, names[n] + " " + where);
            }
        }
    }

    private static float[][] grads(float[] q, float[] k, float[] pk) {
        return new float[][] {new float[q.length], new float[k.length], new float[k.length],
                pk == null ? null : new float[pk.length], pk == null ? null : new float[pk.length]};
    }


    // ------------------------------------------------------------------ gradients vs finite differences

    @Test
    void gradientsMatchFiniteDifferencesOfDoubleReference() {
        // (batch, T, S, P, H, KVH, D, causal, window, offset, padded per row)
        int[][] cases = {
                {2, 7, 7, 2, 4, 2, 6, 1, 0, 0, 2},   // GQA + prefix + padding
                {1, 7, 7, 0, 4, 1, 10, 1, 4, 0, 0},  // GQA 4/1 + window 4
                {2, 3, 9, 1, 2, 2, 10, 1, 5, 6, 1},  // query offset + window + prefix + padding
                {2, 7, 7, 2, 2, 1, 6, 0, 0, 0, 3},   // not causal + prefix + padding
        };
        Random r = new Random(7);
        for (int[] c : cases) checkGradients(c, r);
    }

    private static void checkGradients(int[] c, Random r) {
        int B = c[0], T = c[1], S = c[2], P = c[3], H = c[4], KVH = c[5], D = c[6];
        var spec = new AttentionSpec(H, KVH, D, (float) (1 / Math.sqrt(D)), c[7] == 1, c[8], c[9]);
        boolean[] pad = c[10] > 0 ? leftPadding(B, S, c[10]) : null;
        Tensor[] in = {
                t(random(r, B * T * H * D), B, T, H * D).requiresGrad(true),
                t(random(r, B * S * KVH * D), B, S, KVH * D).requiresGrad(true),
                t(random(r, B * S * KVH * D), B, S, KVH * D).requiresGrad(true),
                P > 0 ? t(random(r, P * KVH * D), P, KVH * D).requiresGrad(true) : null,
                P > 0 ? t(random(r, P * KVH * D), P, KVH * D).requiresGrad(true) : null};
        float[] w = random(r, B * T * H * D);
        Tensor y = AttentionOps.attention(in[0], in[1], in[2], in[3], in[4], pad, spec);
        double[][] x = new double[5][];
        for (int n = 0; n < 5; n++) x[n] = in[n] == null ? null : toDouble(in[n].data());
        double[] ref = reference(x, pad, B, T, S, P, spec);
        // the float op against the double reference: float rounding of O(1) values only
        for (int i = 0; i < ref.length; i++) assertEquals(ref[i], y.data()[i], 1e-5, "forward " + Arrays.toString(c) + " [" + i + "]");
        Tape.backward(weightedSum(y, w));
        String[] names = {"q", "k", "v", "prefixK", "prefixV"};
        for (int n = 0; n < 5; n++) {
            if (x[n] == null) continue;
            double[] fd = new double[x[n].length];
            double eps = 1e-4;
            for (int i = 0; i < fd.length; i++) {
                double keep = x[n][i];
                x[n][i] = keep + eps;
                double up = dot(reference(x, pad, B, T, S, P, spec), w);
                x[n][i] = keep - eps;
                double down = dot(reference(x, pad, B, T, S, P, spec), w);
                x[n][i] = keep;
                fd[i] = (up - down) / (2 * eps);
            }
            // double FD with eps 1e-4: truncation ~eps²·f''' ~1e-8 and rounding ~1e-12, so the error
            // is the float32 accumulation of the analytic gradient (~1e-6 relative). Tolerance:
            // 1e-4 of the tensor's largest gradient, 10x tighter than the project's 1e-3.
            assertCloseToMax(toFloat(fd), in[n].grad(), 1e-4, "d" + names[n] + " " + Arrays.toString(c));
        }
    }

    /** Naive double-precision attention written from the API's masking rule; independent of the kernels. */
    private static double[] reference(double[][] x, boolean[] pad, int B, int T, int S, int P, AttentionSpec sp) {
        int H = sp.heads(), KVH = sp.kvHeads(), D = sp.headDim();
        double[] q = x[0], k = x[1], v = x[2], pk = x[3], pv = x[4];
        double[] out = new double[B * T * H * D];
        for (int b = 0; b < B; b++) for (int h = 0; h < H; h++) for (int i = 0; i < T; i++) {
            int kvh = h / (H / KVH), pos = sp.queryOffset() + i;
            double[] score = new double[P + S];
            boolean[] seen = new boolean[P + S];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < P + S; c++) {
                int j = c - P;
                seen[c] = c < P || (!sp.causal() || j <= pos) && (sp.slidingWindow() == 0 || j > pos - sp.slidingWindow())
                        && (pad == null || !pad[b * S + j]);
                if (!seen[c]) continue;
                for (int d = 0; d < D; d++) {
                    double kd = c < P ? pk[(c * KVH + kvh) * D + d] : k[((b * S + j) * KVH + kvh) * D + d];
                    score[c] += q[((b * T + i) * H + h) * D + d] * kd;
                }
                score[c] *= sp.scale();
                max = Math.max(max, score[c]);
            }
            double sum = 0;
            for (int c = 0; c < P + S; c++) if (seen[c]) sum += Math.exp(score[c] - max);
            for (int c = 0; c < P + S; c++) {
                if (!seen[c]) continue;
                double p = Math.exp(score[c] - max) / sum;
                for (int d = 0; d < D; d++) {
                    double vd = c < P ? pv[(c * KVH + kvh) * D + d] : v[((b * S + c - P) * KVH + kvh) * D + d];
                    out[((b * T + i) * H + h) * D + d] += p * vd;
                }
            }
        }
        return out;
    }

    private static double dot(double[] a, float[] w) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * w[i];
        return s;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    // ------------------------------------------------------------------ KV-cache blocks

    @Test
    void queryBlockWithOffsetEqualsRowsOfFullAttention() {
        int B = 2, S = 12, P = 2, H = 4, KVH = 2, D = 10;
        Random r = new Random(8);
        float[] q = random(r, B * S * H * D);
        Tensor k = t(random(r, B * S * KVH * D), B, S, KVH * D), v = t(random(r, B * S * KVH * D), B, S, KVH * D);
        Tensor pk = t(random(r, P * KVH * D), P, KVH * D), pv = t(random(r, P * KVH * D), P, KVH * D);
        boolean[] pad = leftPadding(B, S, 3);
        var spec = new AttentionSpec(H, KVH, D, (float) (1 / Math.sqrt(D)), true, 5, 0);
        float[] full = AttentionOps.attention(t(q, B, S, H * D), k, v, pk, pv, pad, spec).data();
        for (int from : new int[] {11, 8, 0}) { // one decoding step, a block of 4, and the whole sequence
            int T = S - from, row = H * D;
            float[] block = new float[B * T * row];
            for (int b = 0; b < B; b++) System.arraycopy(q, (b * S + from) * row, block, b * T * row, T * row);
            float[] y = AttentionOps.attention(t(block, B, T, row), k, v, pk, pv, pad, spec.withQueryOffset(from)).data();
            for (int b = 0; b < B; b++) {
                float[] expected = Arrays.copyOfRange(full, (b * S + from) * row, (b * S + S) * row);
                float[] actual = Arrays.copyOfRange(y, b * T * row, (b + 1) * T * row);
                assertArrayEquals(expected, actual, 1e-6f, "batch " + b + ", queries from " + from);
            }
        }
    }

    // ------------------------------------------------------------------ tape and errors

    @Test
    void frozenKeysAndValuesGetNoGradientAndGradientsAccumulate() {
        Random r = new Random(9);
        Tensor q = t(random(r, 2 * 5 * 8), 2, 5, 8).requiresGrad(true);
        Tensor k = t(random(r, 2 * 5 * 4), 2, 5, 4), v = t(random(r, 2 * 5 * 4), 2, 5, 4);
        float[] w = random(r, 2 * 5 * 8);
        var spec = AttentionSpec.causal(2, 1, 4);
        Tape.backward(weightedSum(AttentionOps.attention(q, k, v, null, null, null, spec), w));
        float[] once = q.grad().clone();
        assertNull(k.grad());
        assertNull(v.grad());
        Tape.backward(weightedSum(AttentionOps.attention(q, k, v, null, null, null, spec), w));
        for (int i = 0; i < once.length; i++) assertEquals(2 * once[i], q.grad()[i], 1e-6f * Math.max(1, Math.abs(once[i])));
    }

    @Test
    void mismatchedShapesAreNamed() {
        Tensor q = Tensor.zeros(2, 5, 8), k = Tensor.zeros(2, 5, 4);
        var spec = AttentionSpec.causal(2, 1, 4);
        var e = assertThrows(IllegalArgumentException.class, () -> AttentionOps.attention(Tensor.zeros(2, 5, 6), k, k, null, null, null, spec));
        assertTrue(e.getMessage().contains("q") && e.getMessage().contains("[2, 5, 6]"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> AttentionOps.attention(q, k, Tensor.zeros(2, 6, 4), null, null, null, spec));
        assertTrue(e2.getMessage().contains("v"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> AttentionOps.attention(q, k, k, Tensor.zeros(1, 4), null, null, spec));
        assertTrue(e3.getMessage().contains("prefixV"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class, () -> AttentionOps.attention(q, k, k, null, null, new boolean[9], spec));
        assertTrue(e4.getMessage().contains("length B*S = 2*5 = 10, got 9"), e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class, () -> new AttentionSpec(3, 2, 4, 1f, true, 0, 0));
        assertTrue(e5.getMessage().contains("heads (3)") && e5.getMessage().contains("kvHeads (2)"), e5.getMessage());
    }
}
