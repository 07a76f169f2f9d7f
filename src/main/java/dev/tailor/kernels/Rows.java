package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised reductions over one contiguous row, shared by the row kernels (softmax, norms, loss).
 * Lane sums and exponentials go through {@link Lanes}, so a row gives the same bits whatever the
 * JIT has compiled so far.
 */
final class Rows {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Rows() {}

    /** max of a[o .. o+n) */
    static float max(float[] a, int o, int n) {
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) m = m.max(FloatVector.fromArray(S, a, o + j));
        float r = m.reduceLanes(VectorOperators.MAX); // max is exact, so its order cannot matter
        for (; j < n; j++) r = Math.max(r, a[o + j]);
        return r;
    }

    /** sum of a[o .. o+n) */
    static float sum(float[] a, int o, int n) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) s = s.add(FloatVector.fromArray(S, a, o + j));
        float r = Lanes.sum(s);
        for (; j < n; j++) r += a[o + j];
        return r;
    }

    /** sum of a[ao + j] * b[bo + j] over j in [0, n) */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) s = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), s);
        float r = Lanes.sum(s);
        for (; j < n; j++) r += a[ao + j] * b[bo + j];
        return r;
    }

    /** sum of exp(a[o + j] - shift) over j in [0, n) */
    static float sumExp(float[] a, int o, int n, float shift) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) {
            s = s.add(Lanes.exp(FloatVector.fromArray(S, a, o + j).sub(shift)));
        }
        float r = Lanes.sum(s);
        for (; j < n; j++) r += Lanes.exp(a[o + j] - shift);
        return r;
    }

    /** w[i] = exp(w[i] - shift) for i in [from, to); returns their sum (as {@link #sumExp} sums). -inf entries become 0. */
    static float expShifted(float[] w, int from, int to, float shift) {
        FloatVector s = FloatVector.zero(S);
        int i = from;
        for (int bound = from + S.loopBound(to - from); i < bound; i += S.length()) {
            FloatVector e = Lanes.exp(FloatVector.fromArray(S, w, i).sub(shift));
            e.intoArray(w, i);
            s = s.add(e);
        }
        float sum = Lanes.sum(s);
        for (; i < to; i++) { w[i] = Lanes.exp(w[i] - shift); sum += w[i]; }
        return sum;
    }

    /** out[o..o+n) = softmax(x[o..o+n)) */
    static void softmaxRow(float[] out, float[] x, int o, int n) {
        float max = max(x, o, n);
        if (out != x) System.arraycopy(x, o, out, o, n);
        float inv = 1f / expShifted(out, o, o + n, max);
        int j = 0, bound = S.loopBound(n);
        for (; j < bound; j += S.length()) FloatVector.fromArray(S, out, o + j).mul(inv).intoArray(out, o + j);
        for (; j < n; j++) out[o + j] *= inv;
    }
}
