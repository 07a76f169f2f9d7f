package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vectorised reductions over one contiguous row, shared by the row kernels (softmax, norms, loss). */
final class Rows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Rows() {}

    /** max of a[o .. o+n) */
    static float max(float[] a, int o, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) m = m.max(FloatVector.fromArray(S, a, o + j));
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) r = Math.max(r, a[o + j]);
        return r;
    }

    /** sum of a[o .. o+n) */
    static float sum(float[] a, int o, int n) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) s = s.add(FloatVector.fromArray(S, a, o + j));
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r += a[o + j];
        return r;
    }

    /** sum of a[ao + j] * b[bo + j] over j in [0, n) */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) s = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), s);
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r += a[ao + j] * b[bo + j];
        return r;
    }

    /** sum of exp(a[o + j] - shift) over j in [0, n) */
    static float sumExp(float[] a, int o, int n, float shift) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            s = s.add(FloatVector.fromArray(S, a, o + j).sub(shift).lanewise(VectorOperators.EXP));
        }
        float r = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) r += (float) Math.exp(a[o + j] - shift);
        return r;
    }

    /** out[o..o+n) = softmax(x[o..o+n)) */
    static void softmaxRow(float[] out, float[] x, int o, int n) {
        float max = max(x, o, n);
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            FloatVector e = FloatVector.fromArray(S, x, o + j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(out, o + j);
            s = s.add(e);
        }
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            out[o + j] = (float) Math.exp(x[o + j] - max);
            sum += out[o + j];
        }
        float inv = 1f / sum;
        j = 0;
        for (; j < bound; j += S.length()) FloatVector.fromArray(S, out, o + j).mul(inv).intoArray(out, o + j);
        for (; j < n; j++) out[o + j] *= inv;
    }
}
