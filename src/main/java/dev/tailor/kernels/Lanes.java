package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Horizontal sums and transcendental functions over float lanes whose results do not depend on
 * the JIT. The Vector API leaves the order of {@code reduceLanes(ADD)} unspecified, and
 * {@code lanewise(EXP/TANH)} runs Math.exp per lane until C2 swaps in a vector math library with
 * other last bits; a process that resumes a training run sits at another compilation stage than
 * the run it continues, so those would make its losses differ in the last bits. Everything here
 * is built from IEEE-exact lane operations (add, mul, fma, div, min/max, bit moves), each applied
 * in a fixed order, and every vector function has a scalar twin that performs the same operations
 * in the same order and so agrees with every lane bit for bit; kernels use the twin for their tails.
 */
final class Lanes {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();

    // Rotations by L/2, L/4, L/8, L/16 lanes for the halving tree of sum (the x86 species have <= 16 lanes).
    private static final VectorShuffle<Float> ROT1 = rotation(L / 2), ROT2 = rotation(L / 4),
            ROT3 = rotation(L / 8), ROT4 = rotation(L / 16);

    /** float(log2 e) */
    private static final float LOG2E = 0x1.715476p0f;
    /** 1.5 * 2^23: adding it rounds a float of magnitude < 2^22 to an integer held in the low mantissa bits. */
    private static final float SHIFTER = 0x1.8p23f;
    private static final int SHIFTER_BITS = 0x4b400000;
    /** ln 2 = LN2_HI + LN2_LO: LN2_HI is float(ln 2), LN2_LO the float nearest the rest (Cody and Waite). */
    private static final float LN2_HI = 0x1.62e43p-1f, LN2_LO = -0x1.05c61p-29f;
    /** Taylor coefficients 1/k! of e^r - 1 = r + r^2 (1/2 + r (1/6 + ...)); the r^8/8! term left out is < 0.1 ulp for |r| <= ln2/2. */
    private static final float C2 = 0.5f, C3 = 0x1.555556p-3f, C4 = 0x1.555556p-5f, C5 = 0x1.111112p-7f,
            C6 = 0x1.6c16c2p-10f, C7 = 0x1.a01a02p-13f;
    /** exp(x) for x < -104 is below 2^-150 and rounds to 0; for x > 89 it overflows: clamping keeps 2^n in range. */
    private static final float EXP_MIN = -104f, EXP_MAX = 89f;
    /** tanh(x) rounds to 1 for |x| > 9.01. */
    private static final float TANH_MAX = 10f;

    private Lanes() {}

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.iota(S, Math.max(1, by), 1, true);
    }

    // ---------------------------------------------------------------- sum

    /**
     * Sum of the lanes by a halving tree: lane i is added to lane i + L/2, then i + L/4, ..., so
     * the result is ((v0 + v8) + (v4 + v12)) + ((v2 + v10) + (v6 + v14)) + ... for 16 lanes,
     * and {@link #sumScalar} spells the same order out.
     */
    static float sum(FloatVector v) {
        if (L > 16) return sumScalar(v.toArray());
        if (L >= 2) v = v.add(v.rearrange(ROT1));
        if (L >= 4) v = v.add(v.rearrange(ROT2));
        if (L >= 8) v = v.add(v.rearrange(ROT3));
        if (L >= 16) v = v.add(v.rearrange(ROT4));
        return v.lane(0);
    }

    /** Twin of {@link #sum} over the L lane values (left unchanged). // lanes (L), L a power of two */
    static float sumScalar(float[] lanes) {
        float[] t = lanes.clone();
        for (int h = t.length / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) t[i] += t[i + h];
        }
        return t[0];
    }

    // ---------------------------------------------------------------- exp

    /**
     * e^x per lane, within 1.06 ulp of the true value over all floats with a normal result (subnormal
     * results within 0.75 of the smallest subnormal), measured exhaustively.
     * x = n ln2 + r with n = round(x log2 e) and |r| <= ~ln2/2; e^r = 1 + r + r^2 P(r) (degree-7
     * Taylor); e^x = (e^r * 2^(n - n/2)) * 2^(n/2) so that subnormal results are rounded once.
     * -inf gives 0, +inf and x > ~88.72 give +inf, NaN gives NaN.
     */
    static FloatVector exp(FloatVector x) {
        x = x.max(EXP_MIN).min(EXP_MAX);
        FloatVector t = x.fma(LOG2E, SHIFTER); // SHIFTER + round(x log2e), one rounding
        FloatVector n = t.sub(SHIFTER);
        // With |r| < 0.5 the first step is exact: r and n ln2_hi are multiples of ulp(x) or 2^-25.
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = expm1Reduced(r).add(1f);
        IntVector ni = t.viewAsIntegralLanes().sub(SHIFTER_BITS);
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1), n2 = ni.sub(n1);
        return p.mul(pow2(n2)).mul(pow2(n1));
    }

    /** Twin of {@link #exp}, operation for operation. */
    static float exp(float x) {
        x = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float t = Math.fma(x, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = expm1Reduced(r) + 1f;
        int ni = Float.floatToRawIntBits(t) - SHIFTER_BITS;
        int n1 = ni >> 1, n2 = ni - n1;
        return p * pow2(n2) * pow2(n1);
    }

    // ---------------------------------------------------------------- tanh

    /**
     * tanh(x) per lane = sign(x) * -m / (2 + m), m = e^(-2|x|) - 1 computed without cancellation
     * (see {@link #expm1Negative}), so small |x| keeps full relative precision. The rounding of
     * 2 + m would cost up to a further ulp, so the quotient is corrected for it: d + dl = 2 + m
     * exactly (Fast2Sum, |m| <= 2), t0 = -m / d, and the division residual fma(-t0, d, -m) is exact,
     * so t = t0 + (residual - t0 dl) / d. Within 2 ulp over all floats (measured exhaustively: 1.94);
     * +-0 stays +-0, |x| > 10 gives +-1, NaN gives NaN.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector m = expm1Negative(x.abs().min(TANH_MAX).mul(-2f));
        FloatVector d = m.add(2f);
        FloatVector dl = FloatVector.broadcast(S, 2f).sub(d).add(m);
        FloatVector t0 = m.neg().div(d);
        FloatVector residual = t0.neg().fma(d, m.neg());
        FloatVector t = t0.add(t0.neg().fma(dl, residual).div(d));
        IntVector sign = x.viewAsIntegralLanes().and(0x80000000);
        return t.viewAsIntegralLanes().and(0x7fffffff).or(sign).viewAsFloatingLanes();
    }

    /** Twin of {@link #tanh}, operation for operation. */
    static float tanh(float x) {
        float m = expm1Negative(Math.min(Math.abs(x), TANH_MAX) * -2f);
        float d = m + 2f;
        float dl = (2f - d) + m;
        float t0 = -m / d;
        float residual = Math.fma(-t0, d, -m);
        float t = t0 + Math.fma(-t0, dl, residual) / d;
        return Math.copySign(t, x);
    }

    // ---------------------------------------------------------------- shared steps

    /** e^r - 1 for |r| <= ~ln2/2: r + r^2 (C2 + r (C3 + ... + r C7)), Horner with fma. */
    private static FloatVector expm1Reduced(FloatVector r) {
        FloatVector u = FloatVector.broadcast(S, C7);
        u = u.fma(r, FloatVector.broadcast(S, C6));
        u = u.fma(r, FloatVector.broadcast(S, C5));
        u = u.fma(r, FloatVector.broadcast(S, C4));
        u = u.fma(r, FloatVector.broadcast(S, C3));
        u = u.fma(r, FloatVector.broadcast(S, C2));
        return r.mul(r).fma(u, r);
    }

    private static float expm1Reduced(float r) {
        float u = C7;
        u = Math.fma(u, r, C6);
        u = Math.fma(u, r, C5);
        u = Math.fma(u, r, C4);
        u = Math.fma(u, r, C3);
        u = Math.fma(u, r, C2);
        return Math.fma(r * r, u, r);
    }

    /**
     * e^y - 1 for y in [-20, 0] (a NaN passes through): with y = n ln2 + r and q = e^r - 1,
     * e^y - 1 = 2^n q + (2^n - 1), one fma, where 2^n - 1 is exact for n >= -24 (and, below,
     * the result is -1 to within its rounding anyway).
     */
    private static FloatVector expm1Negative(FloatVector y) {
        FloatVector t = y.fma(LOG2E, SHIFTER);
        FloatVector n = t.sub(SHIFTER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), y);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector q = expm1Reduced(r);
        FloatVector s = pow2(t.viewAsIntegralLanes().sub(SHIFTER_BITS));
        return s.fma(q, s.sub(1f));
    }

    private static float expm1Negative(float y) {
        float t = Math.fma(y, LOG2E, SHIFTER);
        float n = t - SHIFTER;
        float r = Math.fma(n, -LN2_HI, y);
        r = Math.fma(n, -LN2_LO, r);
        float q = expm1Reduced(r);
        float s = pow2(Float.floatToRawIntBits(t) - SHIFTER_BITS);
        return Math.fma(s, q, s - 1f);
    }

    /** 2^n for n in [-126, 127], built in the exponent bits. */
    private static FloatVector pow2(IntVector n) {
        return n.add(127).lanewise(VectorOperators.LSHL, 23).viewAsFloatingLanes();
    }

    private static float pow2(int n) {
        return Float.intBitsToFloat((n + 127) << 23);
    }
}
