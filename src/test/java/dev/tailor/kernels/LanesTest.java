package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Lanes}: every vector function agrees bit for bit with its scalar twin (that is what makes
 * the kernels independent of the JIT: the twin has no vector code to compile differently), the sum
 * adds in the documented tree order, and exp/tanh stay within a stated number of ulp of the
 * correctly rounded value. The sweeps walk the float bit patterns with a fixed stride from the first
 * call on, so they check the interpreted vector code as well as the compiled one. Measured over all
 * 2^32 inputs once: exp within 1.06 ulp (subnormal results within 0.75 of the smallest subnormal),
 * tanh within 1.94 ulp; the bounds asserted below leave a little room above those.
 */
class LanesTest {

    private static final int L = Lanes.L;
    /** A prime stride through the 2^32 bit patterns: ~4.2 million inputs covering every exponent. */
    private static final int STRIDE = 1021;

    @Test
    void sumAddsInTheHalvingTreeOrder() {
        // Lane 0 holds 2^24 and every other lane 1. By hand: the first step adds lane L/2 into lane 0,
        // 2^24 + 1 rounds (to even) back to 2^24, and every other pair sums exactly; the later steps
        // add exact even numbers: 2^24 + (L - 2). Left to right would lose every 1: 2^24.
        float[] lanes = new float[L];
        java.util.Arrays.fill(lanes, 1f);
        lanes[0] = 0x1p24f;
        float expected = 0x1p24f + (L - 2);
        assertEquals(expected, Lanes.sum(FloatVector.fromArray(Lanes.S, lanes, 0)));
        assertEquals(expected, Lanes.sumScalar(lanes));
    }

    @Test
    void sumAgreesWithItsTwinBitForBit() {
        Random rnd = new Random(7);
        float[] lanes = new float[L];
        for (int rep = 0; rep < 200_000; rep++) {
            double scale = Math.pow(10, rnd.nextInt(13) - 6);
            for (int i = 0; i < L; i++) lanes[i] = (float) (rnd.nextGaussian() * scale);
            float v = Lanes.sum(FloatVector.fromArray(Lanes.S, lanes, 0)), s = Lanes.sumScalar(lanes);
            if (Float.floatToIntBits(v) != Float.floatToIntBits(s)) {
                throw new AssertionError("repetition " + rep + ": vector sum " + v + " != twin " + s + " for " + java.util.Arrays.toString(lanes));
            }
        }
    }

    @Test
    void expAgreesWithTwinAndIsWithinOneUlp() {
        Sweep s = sweep(Lanes::exp, Lanes::exp, Math::exp);
        assertTrue(s.maxUlp <= 1.1, "exp: max error " + s.maxUlp + " ulp at x = " + s.worst);
        assertTrue(s.maxSubnormal <= 0.8, "exp: subnormal result off by " + s.maxSubnormal + " of the smallest subnormal");
    }

    @Test
    void tanhAgreesWithTwinAndIsWithinTwoUlp() {
        Sweep s = sweep(Lanes::tanh, Lanes::tanh, Math::tanh);
        assertTrue(s.maxUlp <= 2.0, "tanh: max error " + s.maxUlp + " ulp at x = " + s.worst);
    }

    @Test
    void expSpecialValues() {
        assertEquals(1f, exp(0f));
        assertEquals(1f, exp(-0f));
        assertEquals(0f, exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, exp(-104f));       // e^-104 ~ 6.8e-46, below half the smallest subnormal (7e-46)
        assertEquals(0f, exp(-1000f));
        assertEquals(Float.POSITIVE_INFINITY, exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, exp(88.7229f));  // ln(Float.MAX_VALUE) = 88.72284
        assertEquals(Float.POSITIVE_INFINITY, exp(1000f));
        assertTrue(Float.isFinite(exp(88.72283f)) && exp(88.72283f) > 3.4e38f);
        assertTrue(Float.isNaN(exp(Float.NaN)));
        assertEquals((float) Math.E, exp(1f), Math.ulp((float) Math.E));
    }

    @Test
    void tanhSpecialValues() {
        assertEquals(Float.floatToIntBits(0f), Float.floatToIntBits(tanh(0f)));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(tanh(-0f)));
        assertEquals(1e-30f, tanh(1e-30f));          // tanh(x) = x - x^3/3 ...: x itself for tiny x
        assertEquals(-1e-20f, tanh(-1e-20f));
        assertEquals(Float.MIN_VALUE, tanh(Float.MIN_VALUE));
        assertEquals(1f, tanh(10f));
        assertEquals(-1f, tanh(-50f));
        assertEquals(1f, tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(tanh(Float.NaN)));
    }

    /** exp of one value through the vector path (lane 0 of a broadcast), checked against the twin. */
    private static float exp(float x) {
        float v = Lanes.exp(FloatVector.broadcast(Lanes.S, x)).lane(0);
        assertEquals(Float.floatToIntBits(Lanes.exp(x)), Float.floatToIntBits(v), "exp twin at " + x);
        return v;
    }

    private static float tanh(float x) {
        float v = Lanes.tanh(FloatVector.broadcast(Lanes.S, x)).lane(0);
        assertEquals(Float.floatToIntBits(Lanes.tanh(x)), Float.floatToIntBits(v), "tanh twin at " + x);
        return v;
    }

    private interface VectorFn { FloatVector apply(FloatVector v); }
    private interface ScalarFn { float apply(float x); }

    /** Worst errors of a sweep: in ulp of the correctly rounded result, and for subnormal results in units of Float.MIN_VALUE. */
    private record Sweep(double maxUlp, float worst, double maxSubnormal) {}

    /** Every STRIDE-th float bit pattern through the vector function, its twin (bit equality) and the double reference. */
    private static Sweep sweep(VectorFn vector, ScalarFn twin, DoubleUnaryOperator reference) {
        float[] in = new float[L], out = new float[L];
        double maxUlp = 0, maxSub = 0;
        float worst = Float.NaN;
        long bits = 0;
        while (bits < (1L << 32)) {
            for (int i = 0; i < L; i++, bits += STRIDE) in[i] = Float.intBitsToFloat((int) bits);
            vector.apply(FloatVector.fromArray(Lanes.S, in, 0)).intoArray(out, 0);
            for (int i = 0; i < L; i++) {
                float x = in[i], y = out[i], t = twin.apply(x);
                if (Float.floatToIntBits(y) != Float.floatToIntBits(t)) {
                    throw new AssertionError("x = " + x + " (" + Float.toHexString(x) + "): vector " + y + " != twin " + t);
                }
                double e = reference.applyAsDouble(x);
                float rounded = (float) e;
                if (Float.isNaN(x) || Float.isInfinite(rounded) || Float.isInfinite(y)) {
                    assertEquals(rounded, y, "x = " + x); // NaN to NaN, overflow to infinity
                    continue;
                }
                if (Math.abs(rounded) < Float.MIN_NORMAL) {
                    maxSub = Math.max(maxSub, Math.abs(y - e) / Float.MIN_VALUE);
                } else {
                    double u = Math.abs(y - e) / Math.ulp(rounded);
                    if (u > maxUlp) { maxUlp = u; worst = x; }
                }
            }
        }
        return new Sweep(maxUlp, worst, maxSub);
    }
}
