package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled inner kernel of {@link Gemm}: one MR x NR tile of C from an A micro-panel
 * (packed (kc, MR), or MR rows read in place) and a packed B micro-panel (kc, NR). NR is two
 * vectors wide; the 2 * MR accumulators live in registers for the whole kc loop, so each k step
 * costs two vector loads of B, MR broadcasts of A and 2 * MR fused multiply-adds.
 *
 * <p>Six rows keep 12 accumulators, two B vectors and a broadcast within the 16 vector registers
 * of AVX2, and 12 independent FMA chains cover the FMA latency of two pipes. With 512-bit vectors
 * (NR = 32) taller tiles would fit the 32 registers of AVX-512, but C2 (JDK 25) compiles 8- and
 * 12-row versions of this loop 10-20x slower than the 6-row one (measured), so 6 rows it is.
 */
final class GemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * L;
    /** Rows of a tile. */
    static final int MR = 6;

    private GemmKernel() {}

    /**
     * c[cOff + r*ldc + j] (+)= sum_k ap[aOff + k*MR + r] * bp[bOff + k*NR + j] for r < mr, j < nr:
     * A packed (kc, MR). A tile with mr < MR or nr < NR goes through {@code tile} (MR*NR scratch)
     * so that the register kernel never writes outside C.
     */
    static void tilePacked(float[] c, int cOff, int ldc, boolean add,
                           float[] ap, int aOff, float[] bp, int bOff, int kc, int mr, int nr, float[] tile) {
        if (mr == MR && nr == NR) {
            packedA(c, cOff, ldc, add, ap, aOff, bp, bOff, kc);
        } else {
            packedA(tile, 0, NR, false, ap, aOff, bp, bOff, kc);
            writeBack(c, cOff, ldc, add, tile, mr, nr);
        }
    }

    /**
     * c[cOff + r*ldc + j] (+)= sum_k a[aOff + r*lda + k] * bp[bOff + k*NR + j] for r < MR, j < nr:
     * A read in place from MR consecutive rows of a row-major matrix (no packing: each row is a
     * sequential stream, so the six streams cost no more than one packed panel).
     */
    static void tileRows(float[] c, int cOff, int ldc, boolean add,
                         float[] a, int aOff, int lda, float[] bp, int bOff, int kc, int nr, float[] tile) {
        if (nr == NR) {
            rowsA(c, cOff, ldc, add, a, aOff, lda, bp, bOff, kc);
        } else {
            rowsA(tile, 0, NR, false, a, aOff, lda, bp, bOff, kc);
            writeBack(c, cOff, ldc, add, tile, MR, nr);
        }
    }

    private static void writeBack(float[] c, int cOff, int ldc, boolean add, float[] tile, int mr, int nr) {
        for (int r = 0; r < mr; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < nr; j++) c[row + j] = add ? c[row + j] + tile[r * NR + j] : tile[r * NR + j];
        }
    }

    private static void packedA(float[] c, int cOff, int ldc, boolean add,
                                float[] ap, int aOff, float[] bp, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        for (int k = 0; k < kc; k++) {
            int b = bOff + k * NR, a = aOff + k * 6;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[a]);     c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a + 1]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a + 2]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a + 3]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a + 4]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a + 5]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        store(c, cOff, add, c00, c01);
        store(c, cOff + ldc, add, c10, c11);
        store(c, cOff + 2 * ldc, add, c20, c21);
        store(c, cOff + 3 * ldc, add, c30, c31);
        store(c, cOff + 4 * ldc, add, c40, c41);
        store(c, cOff + 5 * ldc, add, c50, c51);
    }

    /** {@link #packedA} with A(r, k) = a[aOff + r*lda + k]: the same loop over six row streams. */
    private static void rowsA(float[] c, int cOff, int ldc, boolean add,
                              float[] a, int aOff, int lda, float[] bp, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int k = 0; k < kc; k++) {
            int b = bOff + k * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + k]); c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + k]); c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + k]); c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + k]); c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + k]); c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + k]); c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
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
}
