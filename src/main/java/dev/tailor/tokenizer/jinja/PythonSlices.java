package dev.tailor.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code seq[start:stop:step]} on lists and strings (strings index code points). */
public final class PythonSlices {

    private PythonSlices() {}

    /**
     * Slices {@code seq}; a null bound or step means "omitted", as in {@code messages[::-1]}.
     * Out-of-range bounds are clamped the way CPython's PySlice_AdjustIndices clamps them.
     */
    public static Object slice(Object seq, Integer start, Integer stop, Integer step) {
        int st = step == null ? 1 : step;
        if (st == 0) throw new IllegalArgumentException("slice step cannot be zero");
        if (seq instanceof String s) {
            int[] cps = s.codePoints().toArray();
            StringBuilder sb = new StringBuilder();
            for (int i : indices(cps.length, start, stop, st)) sb.appendCodePoint(cps[i]);
            return sb.toString();
        }
        if (seq instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (int i : indices(list.size(), start, stop, st)) out.add(list.get(i));
            return out;
        }
        throw new IllegalArgumentException("cannot slice a value of type "
                + (seq == null ? "None (undefined?)" : seq.getClass().getSimpleName()) + "; expected a list or a string");
    }

    /** The indices a slice selects from a sequence of length n, in order. */
    static int[] indices(int n, Integer start, Integer stop, int step) {
        int lo = clamp(start, n, step, step > 0 ? 0 : n - 1);
        int hi = clamp(stop, n, step, step > 0 ? n : -1);
        int count = step > 0 ? (hi > lo ? (hi - lo + step - 1) / step : 0)
                             : (lo > hi ? (lo - hi - step - 1) / -step : 0);
        int[] out = new int[count];
        for (int k = 0; k < count; k++) out[k] = lo + k * step;
        return out;
    }

    private static int clamp(Integer bound, int n, int step, int dflt) {
        if (bound == null) return dflt;
        int b = bound;
        if (b < 0) {
            b += n;
            if (b < 0) b = step < 0 ? -1 : 0;
        } else if (b >= n) {
            b = step < 0 ? n - 1 : n;
        }
        return b;
    }
}
