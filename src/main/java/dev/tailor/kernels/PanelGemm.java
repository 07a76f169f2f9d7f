package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Small matrix products for the tiles of {@link BlockedAttention}: C (m, n) (+)= A (m, kc) · B (kc, n)
 * with B packed in panels of NR = 2 vectors of columns, each panel (kc, NR) row-major, and A read
 * in place through two strides, A(r, k) = a[aOff + r*rs + k*ks]. With ks = 1 that is a row-major
 * A; with rs = 1 it is the transpose of a row-major matrix, so dSᵀ·Q needs no transposed copy.
 *
 * <p>The register tile has {@link GemmKernel}'s shape, read through the two strides (which the
 * GEMM's own loops avoid, see there): MR = 6 rows by NR columns, 12 accumulators, one
 * fma per (row, vector, k) in increasing k, so every element of C is the same sequential sum
 * whatever the caller's thread split. A ragged edge (mr < MR or nr < NR) is computed into a
 * scratch tile and written back; its missing A rows repeat the last real row, so A never has
 * to be padded, while B panels must always be NR wide (zeros beyond n).
 */
final class PanelGemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Columns of a panel and of a tile: two vectors. */
    static final int NR = 2 * L;
    /** Rows of a tile. */
    static final int MR = 6;

    private PanelGemm() {}

    /** Floats of scratch that {@link #gemm} needs: one tile. */
    static final int SCRATCH = MR * NR;

    /**
     * c[cOff + r*ldc + j] (+)= Σ_k a[aOff + r*rs + k*ks] · bp[bOff + (j/NR)*panelStride + k*NR + j%NR]
     * for r < m, j < n, k < kc.
     *
     * @param bp      panels of B: panel p (columns p*NR ..) is (kc, NR) at bOff + p*panelStride
     * @param scratch ({@link #SCRATCH}) for ragged tiles
     */
    static void gemm(float[] c, int cOff, int ldc, boolean add, float[] a, int aOff, int rs, int ks, int m,
                     float[] bp, int bOff, int panelStride, int kc, int n, float[] scratch) {
        gemmBanded(c, cOff, ldc, add, a, aOff, rs, ks, m, bp, bOff, panelStride, kc, n, null, null, null, null, scratch);
    }

    /**
     * {@link #gemm} over a band of a masked product. For row tile i (rows i*MR ..): A is zero outside
     * k in [kLo[i], kHi[i]), so only those terms are summed (null: all kc); only columns in
     * [nLo[i], nHi[i]) are wanted, so the panels that miss that range are not computed and keep
     * what C held (null: all n).
     */
    static void gemmBanded(float[] c, int cOff, int ldc, boolean add, float[] a, int aOff, int rs, int ks, int m,
                           float[] bp, int bOff, int panelStride, int kc, int n,
                           int[] kLo, int[] kHi, int[] nLo, int[] nHi, float[] scratch) {
        for (int p = 0; p * NR < n; p++) {
            int nr = Math.min(NR, n - p * NR), pOff = bOff + p * panelStride, cp = cOff + p * NR;
            for (int i = 0, r = 0; r < m; i++, r += MR) {
                if (nLo != null && (p * NR >= nHi[i] || p * NR + NR <= nLo[i])) continue;
                int mr = Math.min(MR, m - r), k0 = kLo == null ? 0 : kLo[i], k1 = kHi == null ? kc : kHi[i];
                int ao = aOff + r * rs + k0 * ks, bo = pOff + k0 * NR, kn = Math.max(0, k1 - k0);
                if (mr == MR && nr == NR) {
                    tile(c, cp + r * ldc, ldc, add, a, ao, rs, ks, MR, bp, bo, kn);
                } else {
                    tile(scratch, 0, NR, false, a, ao, rs, ks, mr, bp, bo, kn);
                    for (int row = 0; row < mr; row++) {
                        int at = cp + (r + row) * ldc;
                        for (int j = 0; j < nr; j++) c[at + j] = add ? c[at + j] + scratch[row * NR + j] : scratch[row * NR + j];
                    }
                }
            }
        }
    }

    /** One MR x NR tile; A rows at and beyond mr repeat row mr - 1 (their results are not wanted). */
    private static void tile(float[] c, int cOff, int ldc, boolean add, float[] a, int aOff, int rs, int ks, int mr,
                             float[] bp, int bOff, int kc) {
        int a0 = aOff, a1 = aOff + Math.min(1, mr - 1) * rs, a2 = aOff + Math.min(2, mr - 1) * rs;
        int a3 = aOff + Math.min(3, mr - 1) * rs, a4 = aOff + Math.min(4, mr - 1) * rs, a5 = aOff + Math.min(5, mr - 1) * rs;
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int k = 0, ak = 0; k < kc; k++, ak += ks) {
            int b = bOff + k * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + ak]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + ak]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + ak]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + ak]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + ak]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + ak]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        store(c, cOff, add, c00, c01);
        store(c, cOff + ldc, add, c10, c11);
        store(c, cOff + 2 * ldc, add, c20, c21);
        store(c, cOff + 3 * ldc, add, c30, c31);
        store(c, cOff + 4 * ldc, add, c40, c41);
        store(c, cOff + 5 * ldc, add, c50, c51);
    }

    private static void store(float[] c, int off, boolean add, FloatVector v0, FloatVector v1) {
        if (add) {
            v0 = v0.add(FloatVector.fromArray(S, c, off));
            v1 = v1.add(FloatVector.fromArray(S, c, off + L));
        }
        v0.intoArray(c, off);
        v1.intoArray(c, off + L);
    }

    /** Scalar twin of {@link #gemmBanded}: the same sums, as a plain triple loop. */
    static void gemmBandedScalar(float[] c, int cOff, int ldc, boolean add, float[] a, int aOff, int rs, int ks, int m,
                                 float[] bp, int bOff, int panelStride, int kc, int n,
                                 int[] kLo, int[] kHi, int[] nLo, int[] nHi) {
        for (int r = 0; r < m; r++) {
            int i = r / MR, k0 = kLo == null ? 0 : kLo[i], k1 = kHi == null ? kc : kHi[i];
            for (int j = 0; j < n; j++) {
                if (nLo != null && (j / NR * NR >= nHi[i] || j / NR * NR + NR <= nLo[i])) continue;
                float s = 0;
                for (int k = k0; k < k1; k++) s = Math.fma(a[aOff + r * rs + k * ks], bp[bOff + j / NR * panelStride + k * NR + j % NR], s);
                int o = cOff + r * ldc + j;
                c[o] = add ? c[o] + s : s;
            }
        }
    }
}
