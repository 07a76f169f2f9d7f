package dev.tailor.autograd;

import dev.tailor.autograd.RopeOps.RopeTable;
import dev.tailor.kernels.RopeKernels;
import dev.tailor.models.RopeScaling;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RoPE tables against values computed by hand (in double precision, outside Tailor) from the
 * formulas of transformers' modeling_rope_utils.py, and the rope op against its scalar twin and
 * against finite differences.
 *
 * <p>Table tolerances: the tables are built in float32 as transformers builds them, so they differ
 * from the double-precision hand values by a few float32 ulps (relative ~1e-7 per step); 2e-6
 * relative (or 1e-6 absolute for cos/sin values near 1) leaves room for that and nothing more.
 */
class RopeOpsTest {

    private static RopeScaling scaling(String type, double factor, double low, double high, int original) {
        return new RopeScaling(type, factor, low, high, original, 32, 1, Double.NaN, Double.NaN, Double.NaN, true);
    }

    private static RopeScaling yarn(double factor, int original, double attention, double mscale, double mscaleAll, boolean truncate) {
        return new RopeScaling("yarn", factor, 1, 4, original, 32, 1, attention, mscale, mscaleAll, truncate);
    }

    private static void assertRel(double expected, float actual, double rel, String what) {
        assertEquals(expected, actual, rel * Math.abs(expected), what);
    }

    @Test
    void defaultTableHoldsCosAndSinOfPositionTimesInverseFrequency() {
        RopeTable t = RopeTable.build(RopeScaling.DEFAULT, 10000, 8, 5, 2048);
        // inv_freq = 10000^(-2i/8) = 1, 0.1, 0.01, 0.001; position 3 gives angles 3, 0.3, 0.03, 0.003
        double[] cos3 = {-0.9899924966004454, 0.955336489125606, 0.9995500337489875, 0.999995500003375};
        double[] sin3 = {0.1411200080598672, 0.2955202066613396, 0.02999550020249566, 0.002999995500002025};
        for (int i = 0; i < 4; i++) {
            assertEquals(cos3[i], t.cos[3 * 4 + i], 1e-6, "cos at position 3, frequency " + i);
            assertEquals(sin3[i], t.sin[3 * 4 + i], 1e-6, "sin at position 3, frequency " + i);
            assertEquals(1f, t.cos[i], "position 0 is the identity");
            assertEquals(0f, t.sin[i], "position 0 is the identity");
        }
        assertEquals(1f, t.attentionFactor);
        assertEquals(5, t.maxPositions);
        assertEquals(5 * 4, t.cos.length);
    }

    @Test
    void linearScalingDividesPositionsByTheFactor() {
        RopeTable base = RopeTable.build(RopeScaling.DEFAULT, 10000, 16, 9, 2048);
        RopeTable lin = RopeTable.build(scaling("linear", 4, 1, 4, 0), 10000, 16, 9, 2048);
        for (int i = 0; i < 8; i++) {
            assertRel(Math.pow(10000, -2.0 * i / 16) / 4, lin.invFreq[i], 2e-6, "inv_freq " + i);
            // factor 4 is a power of two, so position 8 of the scaled table is exactly position 2 of the plain one
            assertEquals(base.cos[2 * 8 + i], lin.cos[8 * 8 + i], "cos " + i);
            assertEquals(base.sin[2 * 8 + i], lin.sin[8 * 8 + i], "sin " + i);
        }
    }

    @Test
    void dynamicScalingEqualsDefaultWithinTheOriginalLengthAndRefusesLongerTables() {
        RopeTable base = RopeTable.build(RopeScaling.DEFAULT, 10000, 16, 64, 64);
        RopeTable dyn = RopeTable.build(scaling("dynamic", 2, 1, 4, 0), 10000, 16, 64, 64);
        assertArrayEquals(base.cos, dyn.cos);
        assertArrayEquals(base.sin, dyn.sin);
        var e = assertThrows(IllegalArgumentException.class, () -> RopeTable.build(scaling("dynamic", 2, 1, 4, 0), 10000, 16, 65, 64));
        assertTrue(e.getMessage().contains("65") && e.getMessage().contains("64"), e.getMessage());
    }

    @Test
    void llama3KeepsHighFrequenciesBlendsTheMiddleBandAndDividesLowFrequencies() {
        // theta 5e5, D = 16, factor 8, low 1, high 4, original 64: wavelengths 2π·5e5^(i/8) are
        // 6.28 (< 64/4: kept), 32.4 (between 16 and 64: smooth = (64/32.4 - 1)/3 = 0.32509), 167+ (> 64: / 8)
        RopeTable t = RopeTable.build(scaling("llama3", 8, 1, 4, 64), 500000, 16, 4, 512);
        double[] expected = {1.0, 7.9403009179e-02, 4.7007538664e-03, 9.1158309215e-04, 1.7677669530e-04,
                3.4281021960e-05, 6.6478698712e-06, 1.2891731722e-06};
        for (int i = 0; i < 8; i++) assertRel(expected[i], t.invFreq[i], 2e-6, "inv_freq " + i);
        // original_max_position_embeddings 0 means max_position_embeddings: 64 here gives the same table
        RopeTable viaConfig = RopeTable.build(scaling("llama3", 8, 1, 4, 0), 500000, 16, 4, 64);
        assertArrayEquals(t.invFreq, viaConfig.invFreq);
    }

    @Test
    void yarnBlendsFrequenciesAndScalesCosAndSinByTheAttentionFactor() {
        // theta 1e6, D = 16, factor 4, original 32: correction range [floor(-1.064), ceil(0.943)] = [0, 1],
        // so frequency 0 extrapolates (kept) and the others interpolate (/ 4); attention factor 0.1 ln 4 + 1
        RopeTable t = RopeTable.build(yarn(4, 32, Double.NaN, Double.NaN, Double.NaN, true), 1e6, 16, 8, 128);
        double[] inv = {1.0, 0.044456985250973066, 0.007905694150420948, 0.0014058533129758727, 0.00025,
                4.445698525097307e-05, 7.905694150420949e-06, 1.4058533129758728e-06};
        for (int i = 0; i < 8; i++) assertRel(inv[i], t.invFreq[i], 2e-6, "inv_freq " + i);
        assertEquals(1.138629436111989, t.attentionFactor, 1e-7);
        assertEquals(0.3229861142802878, t.cos[5 * 8], 2e-6, "cos(5)·a");
        assertEquals(-1.0918594061337874, t.sin[5 * 8], 2e-6, "sin(5)·a");
        assertEquals(1.1106148976593917, t.cos[5 * 8 + 1], 2e-6, "cos(5·inv1)·a");
        assertEquals(0.25102099887803214, t.sin[5 * 8 + 1], 2e-6, "sin(5·inv1)·a");
        assertEquals(1.138629436111989, t.cos[0], 1e-6, "position 0: cos = a");
    }

    @Test
    void yarnRampWithAndWithoutTruncation() {
        // theta 1e4, D = 64, factor 8, original 4096: correction dims 10.472 and 22.513
        int[] idx = {9, 10, 11, 16, 22, 23, 24};
        double[] truncated = {0.07498942093324558, 0.056234132519034905, 0.03933130849285815, 0.005961538461538462,
                0.00034197680962286974, 0.0001666901790204155, 0.000125};
        double[] exact = {0.07498942093324558, 0.056234132519034905, 0.040552411760918776, 0.005983133441317673,
                0.0002886330319452514, 0.0001666901790204155, 0.000125};
        RopeTable a = RopeTable.build(yarn(8, 4096, Double.NaN, Double.NaN, Double.NaN, true), 1e4, 64, 2, 32768);
        RopeTable b = RopeTable.build(yarn(8, 4096, Double.NaN, Double.NaN, Double.NaN, false), 1e4, 64, 2, 32768);
        for (int n = 0; n < idx.length; n++) {
            assertRel(truncated[n], a.invFreq[idx[n]], 2e-6, "truncated inv_freq " + idx[n]);
            assertRel(exact[n], b.invFreq[idx[n]], 2e-6, "untruncated inv_freq " + idx[n]);
        }
    }

    @Test
    void yarnAttentionFactorFromMscaleOrGivenExplicitly() {
        RopeTable m = RopeTable.build(yarn(4, 32, Double.NaN, 1.0, 0.5, true), 1e6, 16, 2, 128);
        assertEquals((0.1 * Math.log(4) + 1) / (0.05 * Math.log(4) + 1), m.attentionFactor, 1e-7); // 1.0648216
        RopeTable given = RopeTable.build(yarn(4, 32, 0.7, 1.0, 0.5, true), 1e6, 16, 2, 128);
        assertEquals(0.7f, given.attentionFactor);
        assertEquals(0.7f, given.cos[0]);
    }

    @Test
    void unknownTypesAndOddHeadDimsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> RopeTable.build(scaling("longrope", 2, 1, 4, 0), 1e4, 16, 8, 64));
        assertTrue(e.getMessage().contains("'longrope'") && e.getMessage().contains(RopeScaling.SUPPORTED.toString()), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> RopeTable.build(RopeScaling.DEFAULT, 1e4, 7, 8, 64));
        assertTrue(e2.getMessage().contains("7"), e2.getMessage());
    }

    // ------------------------------------------------------------------ the op

    @Test
    void ropeRotatesEachPlaneByItsAngle() {
        RopeTable t = RopeTable.build(RopeScaling.DEFAULT, 10000, 2, 4, 4); // D = 2: one plane, inv_freq 1
        // two heads: (1, 0) and (0, 1) at position 1 become (cos 1, sin 1) and (-sin 1, cos 1)
        Tensor x = Tensor.of(new float[] {1, 0, 0, 1}, 1, 1, 4);
        float[] y = RopeOps.rope(x, t, new int[] {1}, 2, 2).data();
        double c = 0.5403023058681398, s = 0.8414709848078965;
        assertArrayEquals(new float[] {(float) c, (float) s, (float) -s, (float) c}, y, 1e-7f);
    }

    @Test
    void fastKernelMatchesScalarTwinOnOddSizes() {
        RopeTable yarnTable = RopeTable.build(yarn(4, 32, Double.NaN, Double.NaN, Double.NaN, true), 1e6, 34, 300, 128);
        int[][] shapes = {{7, 3, 10}, {33, 2, 34}, {257, 1, 34}, {5, 4, 64}}; // rows, heads, headDim
        Random r = new Random(1);
        for (int[] s : shapes) {
            RopeTable t = s[2] == 34 ? yarnTable : RopeTable.build(RopeScaling.DEFAULT, 10000, s[2], 300, 4096);
            int rows = s[0], n = rows * s[1] * s[2];
            float[] x = random(r, n);
            int[] pos = new int[rows];
            for (int i = 0; i < rows; i++) pos[i] = r.nextInt(300);
            for (boolean transpose : new boolean[] {false, true}) {
                float[] fast = new float[n], twin = new float[n];
                RopeKernels.rope(fast, x, t.cos, t.sin, pos, rows, s[1], s[2], transpose);
                RopeKernels.ropeScalar(twin, x, t.cos, t.sin, pos, rows, s[1], s[2], transpose);
                // only FMA vs separate multiply-add rounding differs: 1 ulp of values below ~2.3
                assertArrayEquals(twin, fast, 1e-6f, "rows " + rows + " heads " + s[1] + " D " + s[2] + " transpose " + transpose);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        // yarn table: its attention factor makes the map a·R, so the backward must be a·Rᵀ, not R⁻¹
        RopeTable t = RopeTable.build(yarn(4, 32, Double.NaN, Double.NaN, Double.NaN, true), 1e6, 10, 40, 128);
        int B = 2, T = 7, H = 3, D = 10;
        Random r = new Random(2);
        float[] xs = random(r, B * T * H * D), w = random(r, B * T * H * D);
        int[] pos = new int[B * T];
        for (int i = 0; i < pos.length; i++) pos[i] = 3 + r.nextInt(37);
        Tensor x = Tensor.of(xs, B, T, H * D).requiresGrad(true);
        Tape.backward(weightedSum(RopeOps.rope(x, t, pos, H, D), w));
        float[] grad = x.grad().clone();
        // rope is linear in x, so central differences have no truncation error; the loss is summed in
        // double and only the two outputs of the perturbed plane change, so the FD error is float
        // rounding of those outputs (~1e-7) divided by 2·eps = 0.02: about 1e-5. Tolerance 1e-4.
        float eps = 1e-2f;
        try (var g = Tape.noGrad()) {
            for (int i = 0; i < xs.length; i++) {
                float keep = xs[i];
                xs[i] = keep + eps;
                double up = dot(RopeOps.rope(x, t, pos, H, D).data(), w);
                xs[i] = keep - eps;
                double down = dot(RopeOps.rope(x, t, pos, H, D).data(), w);
                xs[i] = keep;
                assertEquals((up - down) / (2 * eps), grad[i], 1e-4, "dL/dx[" + i + "]");
            }
        }
    }

    @Test
    void positionOutsideTheTableIsRefusedWithItsRow() {
        RopeTable t = RopeTable.build(RopeScaling.DEFAULT, 10000, 4, 8, 8);
        Tensor x = Tensor.zeros(2, 3, 8);
        var e = assertThrows(IllegalArgumentException.class, () -> RopeOps.rope(x, t, new int[] {0, 1, 2, 0, 8, 1}, 2, 4));
        assertTrue(e.getMessage().contains("position 8") && e.getMessage().contains("batch 1, token 1")
                && e.getMessage().contains("8 positions"), e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> RopeOps.rope(x, t, new int[] {0, 1, 2}, 2, 4));
        assertTrue(e2.getMessage().contains("expected 6 positions"), e2.getMessage());
    }

    @Test
    void frozenInputRecordsNothing() {
        RopeTable t = RopeTable.build(RopeScaling.DEFAULT, 10000, 4, 8, 8);
        int before = Tape.size();
        Tensor y = RopeOps.rope(Tensor.zeros(1, 2, 4), t, new int[] {0, 1}, 1, 4);
        assertFalse(y.requiresGrad());
        assertEquals(before, Tape.size());
    }

    // ------------------------------------------------------------------ test plumbing

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian());
        return a;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** loss = Σ w ⊙ y, recorded on the tape so that dL/dy = w. */
    static Tensor weightedSum(Tensor y, float[] w) {
        Tensor out = Tensor.scalar((float) dot(y.data(), w));
        if (Tape.needsGrad(y)) {
            Tape.record("weightedSum", out, () -> {
                float g = out.grad()[0];
                float[] dy = y.gradBuffer();
                for (int i = 0; i < w.length; i++) dy[i] += g * w[i];
            });
        }
        return out;
    }
}
