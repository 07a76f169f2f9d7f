package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * RMSNorm (as transformers' LlamaRMSNorm, in float32) and LayerNorm (biased variance, as torch),
 * row by row over the last dim. The forward saves the per-row statistics the backward needs, so
 * the backward never recomputes a reduction over x it can avoid. Weight and bias gradients are
 * summed over rows per chunk and then added in chunk order.
 */
public final class Norms {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private Norms() {}

    // ---------------------------------------------------------------- RMSNorm

    /**
     * out = w * (x * rstd), rstd = 1 / sqrt(mean(x^2) + eps) per row.
     * // out (rows, C), rstd (rows) saved for backward, x (rows, C), w (C)
     */
    public static void rmsNorm(float[] out, float[] rstd, float[] x, float[] w, int rows, int C, float eps) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(C), (c, r0, r1) -> {
            int bound = S.loopBound(C);
            for (int r = r0; r < r1; r++) {
                int o = r * C;
                float rs = (float) (1.0 / Math.sqrt(Rows.dot(x, o, x, o, C) / C + eps));
                rstd[r] = rs;
                int j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector.fromArray(S, x, o + j).mul(rs).mul(FloatVector.fromArray(S, w, j)).intoArray(out, o + j);
                }
                for (; j < C; j++) out[o + j] = x[o + j] * rs * w[j];
            }
        });
    }

    public static void rmsNormScalar(float[] out, float[] rstd, float[] x, float[] w, int rows, int C, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * C;
            float ss = 0f;
            for (int j = 0; j < C; j++) ss += x[o + j] * x[o + j];
            float rs = (float) (1.0 / Math.sqrt(ss / C + eps));
            rstd[r] = rs;
            for (int j = 0; j < C; j++) out[o + j] = x[o + j] * rs * w[j];
        }
    }

    /**
     * Backward of {@code out = w * (x * rstd)}:
     * dx += rstd * g * w - x * rstd^3 * sum(g * w * x) / C;  dw += sum over rows of g * x * rstd.
     * dx or dw may be null (input frozen). // dx (rows, C), dw (C), g (rows, C), x (rows, C), rstd (rows), w (C)
     */
    public static void rmsNormBackward(float[] dx, float[] dw, float[] g, float[] x, float[] rstd, float[] w, int rows, int C) {
        float[][] partial = new float[Parallel.threads()][];
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(C), (c, r0, r1) -> {
            float[] pw = dw == null ? null : (partial[c] = new float[C]);
            for (int r = r0; r < r1; r++) {
                if (dx != null) rmsNormDxRow(dx, g, x, rstd[r], w, r * C, C);
                if (pw != null) rmsNormDwRow(pw, g, x, rstd[r], r * C, C);
            }
        });
        addPartials(dw, partial, C);
    }

    /** dx[o..o+C) += rstd * g * w - x * rstd^3 * sum(g * w * x) / C. Kept small so the JIT keeps vectors in registers. */
    private static void rmsNormDxRow(float[] dx, float[] g, float[] x, float rs, float[] w, int o, int C) {
        float k = -rs * rs * rs * gwxDot(g, w, x, o, C) / C;
        int j = 0, bound = S.loopBound(C);
        for (; j < bound; j += S.length()) {
            FloatVector gw = FloatVector.fromArray(S, g, o + j).mul(FloatVector.fromArray(S, w, j));
            FloatVector xv = FloatVector.fromArray(S, x, o + j);
            gw.mul(rs).add(FloatVector.fromArray(S, dx, o + j)).add(xv.mul(k)).intoArray(dx, o + j);
        }
        for (; j < C; j++) dx[o + j] += rs * g[o + j] * w[j] + x[o + j] * k;
    }

    /** pw[0..C) += g * x * rstd for one row. */
    private static void rmsNormDwRow(float[] pw, float[] g, float[] x, float rs, int o, int C) {
        int j = 0, bound = S.loopBound(C);
        for (; j < bound; j += S.length()) {
            FloatVector.fromArray(S, g, o + j).mul(FloatVector.fromArray(S, x, o + j)).mul(rs).add(FloatVector.fromArray(S, pw, j))
                    .intoArray(pw, j);
        }
        for (; j < C; j++) pw[j] += g[o + j] * x[o + j] * rs;
    }

    public static void rmsNormBackwardScalar(float[] dx, float[] dw, float[] g, float[] x, float[] rstd, float[] w, int rows, int C) {
        for (int r = 0; r < rows; r++) {
            int o = r * C;
            float rs = rstd[r], dot = 0f;
            for (int j = 0; j < C; j++) dot += g[o + j] * w[j] * x[o + j];
            float k = -rs * rs * rs * dot / C;
            for (int j = 0; j < C; j++) {
                if (dx != null) dx[o + j] += rs * g[o + j] * w[j] + x[o + j] * k;
                if (dw != null) dw[j] += g[o + j] * x[o + j] * rs;
            }
        }
    }

    /** sum over j of g[o+j] * w[j] * x[o+j] */
    private static float gwxDot(float[] g, float[] w, float[] x, int o, int C) {
        FloatVector s = FloatVector.zero(S);
        int j = 0, bound = S.loopBound(C);
        for (; j < bound; j += S.length()) {
            s = FloatVector.fromArray(S, g, o + j).mul(FloatVector.fromArray(S, w, j)).fma(FloatVector.fromArray(S, x, o + j), s);
        }
        float r = Lanes.sum(s);
        for (; j < C; j++) r += g[o + j] * w[j] * x[o + j];
        return r;
    }

    // ---------------------------------------------------------------- LayerNorm

    /**
     * out = (x - mean) * rstd * w + b, rstd = 1 / sqrt(var + eps) with the biased variance.
     * b may be null. // out (rows, C), mean (rows), rstd (rows) saved, x (rows, C), w (C), b (C)
     */
    public static void layerNorm(float[] out, float[] mean, float[] rstd, float[] x, float[] w, float[] b, int rows, int C, float eps) {
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(C), (c, r0, r1) -> {
            int bound = S.loopBound(C);
            for (int r = r0; r < r1; r++) {
                int o = r * C;
                float mu = Rows.sum(x, o, C) / C;
                FloatVector acc = FloatVector.zero(S);
                int j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector d = FloatVector.fromArray(S, x, o + j).sub(mu);
                    acc = d.fma(d, acc);
                }
                float var = Lanes.sum(acc);
                for (; j < C; j++) var += (x[o + j] - mu) * (x[o + j] - mu);
                float rs = (float) (1.0 / Math.sqrt(var / C + eps));
                mean[r] = mu;
                rstd[r] = rs;
                j = 0;
                for (; j < bound; j += S.length()) {
                    FloatVector y = FloatVector.fromArray(S, x, o + j).sub(mu).mul(rs).mul(FloatVector.fromArray(S, w, j));
                    (b == null ? y : y.add(FloatVector.fromArray(S, b, j))).intoArray(out, o + j);
                }
                for (; j < C; j++) out[o + j] = (x[o + j] - mu) * rs * w[j] + (b == null ? 0f : b[j]);
            }
        });
    }

    public static void layerNormScalar(float[] out, float[] mean, float[] rstd, float[] x, float[] w, float[] b, int rows, int C, float eps) {
        for (int r = 0; r < rows; r++) {
            int o = r * C;
            float mu = 0f, var = 0f;
            for (int j = 0; j < C; j++) mu += x[o + j];
            mu /= C;
            for (int j = 0; j < C; j++) var += (x[o + j] - mu) * (x[o + j] - mu);
            float rs = (float) (1.0 / Math.sqrt(var / C + eps));
            mean[r] = mu;
            rstd[r] = rs;
            for (int j = 0; j < C; j++) out[o + j] = (x[o + j] - mu) * rs * w[j] + (b == null ? 0f : b[j]);
        }
    }

    /**
     * Backward of {@code out = xhat * w + b}, xhat = (x - mean) * rstd:
     * dx += rstd * (g w - mean(g w) - xhat * mean(g w xhat)); dw += sum g * xhat; db += sum g.
     * Any of dx, dw, db may be null. // dx (rows, C), dw (C), db (C), g, x (rows, C), mean, rstd (rows), w (C)
     */
    public static void layerNormBackward(float[] dx, float[] dw, float[] db, float[] g, float[] x, float[] mean, float[] rstd,
                                         float[] w, int rows, int C) {
        float[][] pw = new float[Parallel.threads()][], pb = new float[Parallel.threads()][];
        Parallel.forChunks(rows, Elementwise.rowsPerChunk(C), (c, r0, r1) -> {
            if (dw != null) pw[c] = new float[C];
            if (db != null) pb[c] = new float[C];
            for (int r = r0; r < r1; r++) layerNormBackwardRow(dx, pw[c], pb[c], g, x, mean[r], rstd[r], w, r * C, C);
        });
        addPartials(dw, pw, C);
        addPartials(db, pb, C);
    }

    private static void layerNormBackwardRow(float[] dx, float[] pw, float[] pb, float[] g, float[] x, float mu, float rs,
                                             float[] w, int o, int C) {
        if (dx != null) layerNormDxRow(dx, g, x, mu, rs, w, o, C);
        if (pw != null) layerNormDwRow(pw, g, x, mu, rs, o, C);
        if (pb != null) sumInto(pb, g, o, C);
    }

    /** dx[o..o+C) += rstd * (g w - mean(g w) - xhat * mean(g w xhat)). */
    private static void layerNormDxRow(float[] dx, float[] g, float[] x, float mu, float rs, float[] w, int o, int C) {
        int bound = S.loopBound(C), j = 0;
        FloatVector sGw = FloatVector.zero(S), sGwx = FloatVector.zero(S);
        for (; j < bound; j += S.length()) {
            FloatVector gw = FloatVector.fromArray(S, g, o + j).mul(FloatVector.fromArray(S, w, j));
            sGw = sGw.add(gw);
            sGwx = gw.fma(FloatVector.fromArray(S, x, o + j).sub(mu).mul(rs), sGwx);
        }
        float mGw = Lanes.sum(sGw), mGwx = Lanes.sum(sGwx);
        for (; j < C; j++) {
            float gw = g[o + j] * w[j];
            mGw += gw;
            mGwx += gw * (x[o + j] - mu) * rs;
        }
        mGw /= C;
        mGwx /= C;
        for (j = 0; j < bound; j += S.length()) {
            FloatVector xh = FloatVector.fromArray(S, x, o + j).sub(mu).mul(rs);
            FloatVector gw = FloatVector.fromArray(S, g, o + j).mul(FloatVector.fromArray(S, w, j));
            gw.sub(mGw).sub(xh.mul(mGwx)).mul(rs).add(FloatVector.fromArray(S, dx, o + j)).intoArray(dx, o + j);
        }
        for (; j < C; j++) dx[o + j] += rs * (g[o + j] * w[j] - mGw - (x[o + j] - mu) * rs * mGwx);
    }

    /** pw[0..C) += g * xhat for one row. */
    private static void layerNormDwRow(float[] pw, float[] g, float[] x, float mu, float rs, int o, int C) {
        int bound = S.loopBound(C), j = 0;
        for (; j < bound; j += S.length()) {
            FloatVector xh = FloatVector.fromArray(S, x, o + j).sub(mu).mul(rs);
            FloatVector.fromArray(S, g, o + j).fma(xh, FloatVector.fromArray(S, pw, j)).intoArray(pw, j);
        }
        for (; j < C; j++) pw[j] += g[o + j] * (x[o + j] - mu) * rs;
    }

    /** pb[0..C) += g[o..o+C) */
    private static void sumInto(float[] pb, float[] g, int o, int C) {
        int bound = S.loopBound(C), j = 0;
        for (; j < bound; j += S.length()) FloatVector.fromArray(S, g, o + j).add(FloatVector.fromArray(S, pb, j)).intoArray(pb, j);
        for (; j < C; j++) pb[j] += g[o + j];
    }

    public static void layerNormBackwardScalar(float[] dx, float[] dw, float[] db, float[] g, float[] x, float[] mean, float[] rstd,
                                               float[] w, int rows, int C) {
        for (int r = 0; r < rows; r++) {
            int o = r * C;
            float mu = mean[r], rs = rstd[r], mGw = 0f, mGwx = 0f;
            for (int j = 0; j < C; j++) {
                mGw += g[o + j] * w[j];
                mGwx += g[o + j] * w[j] * (x[o + j] - mu) * rs;
            }
            mGw /= C;
            mGwx /= C;
            for (int j = 0; j < C; j++) {
                float xh = (x[o + j] - mu) * rs;
                if (dx != null) dx[o + j] += rs * (g[o + j] * w[j] - mGw - xh * mGwx);
                if (dw != null) dw[j] += g[o + j] * xh;
                if (db != null) db[j] += g[o + j];
            }
        }
    }

    /** dst += each non-null partial row, in chunk order. */
    private static void addPartials(float[] dst, float[][] partial, int C) {
        if (dst == null) return;
        for (float[] p : partial) if (p != null) Elementwise.axpy(dst, p, 1f, C);
    }
}
