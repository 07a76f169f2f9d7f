package dev.tailor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled inner kernel of {@link Gemm}: one MR x NR tile of C from an A micro-panel
 * (packed (kc, MR), or MR rows read in place) and a packed B micro-panel (kc, NR). NR is two
 * vectors wide; the 2 * MR accumulators live in registers for the whole kc loop, so each k step
 * costs two vector loads of B, MR broadcasts of A and 2 * MR fused multiply-adds.
 *
 * <p>Twelve rows keep 24 accumulators, two B vectors and a broadcast within the 32 vector
 * registers of AVX-512: per k step two B loads and twelve broadcasts feed 24 fused multiply-adds
 * (six rows fed 12 with eight loads), and 24 independent chains cover the FMA latency of two pipes.
 * Measured single-threaded on the (144, 288) x (288, 384) block of a step: 157 GFLOP/s against 139
 * for six rows. C2 compiles this only because the stores are written out in the method: with a
 * store helper called per row, the node-count inlining cutoff leaves calls that box the
 * accumulators, and the loop runs 10x slower (which is what sank the first 8- and 12-row attempts).
 * With 256-bit vectors (16 registers) twelve rows would spill: there the tile is six rows, 12
 * accumulators (the AVX2 kernels of the BLAS libraries are of that size).
 *
 * <p>Packed and in-place A each have their own copy of the loop rather than one loop reading A
 * through two strides (as {@link PanelGemm} does, where it needs them): alternated with these in
 * one JVM on the step's block, the strided twelve-row loop ran 10-30% slower, and the strided
 * six-row one 15-25%.
 */
final class GemmKernel {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns of a tile: two vectors. */
    static final int NR = 2 * L;
    /** Rows of a tile: twelve with 32 vector registers (AVX-512), six with 16 (AVX2). */
    static final int MR = L >= 16 ? 12 : 6;

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

    private static void packedA(float[] c, int cOff, int ldc, boolean add, float[] ap, int aOff, float[] bp, int bOff, int kc) {
        if (MR == 12) packedA12(c, cOff, ldc, add, ap, aOff, bp, bOff, kc);
        else packedA6(c, cOff, ldc, add, ap, aOff, bp, bOff, kc);
    }

    private static void rowsA(float[] c, int cOff, int ldc, boolean add, float[] a, int aOff, int lda, float[] bp, int bOff, int kc) {
        if (MR == 12) rowsA12(c, cOff, ldc, add, a, aOff, lda, bp, bOff, kc);
        else rowsA6(c, cOff, ldc, add, a, aOff, lda, bp, bOff, kc);
    }

    private static void writeBack(float[] c, int cOff, int ldc, boolean add, float[] tile, int mr, int nr) {
        for (int r = 0; r < mr; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < nr; j++) c[row + j] = add ? c[row + j] + tile[r * NR + j] : tile[r * NR + j];
        }
    }

    /** The tile loop with A packed (kc, MR): twelve broadcasts from one contiguous run per k. */
    private static void packedA12(float[] c, int cOff, int ldc, boolean add,
                                float[] ap, int aOff, float[] bp, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c000 = z, c001 = z, c010 = z, c011 = z, c020 = z, c021 = z;
        FloatVector c030 = z, c031 = z, c040 = z, c041 = z, c050 = z, c051 = z;
        FloatVector c060 = z, c061 = z, c070 = z, c071 = z, c080 = z, c081 = z;
        FloatVector c090 = z, c091 = z, c100 = z, c101 = z, c110 = z, c111 = z;
        for (int k = 0; k < kc; k++) {
            int b = bOff + k * NR, a = aOff + k * MR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, ap[a]);       c000 = x.fma(b0, c000); c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(S, ap[a + 1]);   c010 = x.fma(b0, c010); c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(S, ap[a + 2]);   c020 = x.fma(b0, c020); c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(S, ap[a + 3]);   c030 = x.fma(b0, c030); c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(S, ap[a + 4]);   c040 = x.fma(b0, c040); c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(S, ap[a + 5]);   c050 = x.fma(b0, c050); c051 = x.fma(b1, c051);
            x = FloatVector.broadcast(S, ap[a + 6]);   c060 = x.fma(b0, c060); c061 = x.fma(b1, c061);
            x = FloatVector.broadcast(S, ap[a + 7]);   c070 = x.fma(b0, c070); c071 = x.fma(b1, c071);
            x = FloatVector.broadcast(S, ap[a + 8]);   c080 = x.fma(b0, c080); c081 = x.fma(b1, c081);
            x = FloatVector.broadcast(S, ap[a + 9]);   c090 = x.fma(b0, c090); c091 = x.fma(b1, c091);
            x = FloatVector.broadcast(S, ap[a + 10]);  c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(S, ap[a + 11]);  c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
        }
        // stores written out: a helper called twelve times is not inlined by C2 (node-count cutoff),
        // and an out-of-line call would box the accumulators
        if (add) {
            c000 = c000.add(FloatVector.fromArray(S, c, cOff)); c001 = c001.add(FloatVector.fromArray(S, c, cOff + L));
            c010 = c010.add(FloatVector.fromArray(S, c, cOff + 1 * ldc)); c011 = c011.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + L));
            c020 = c020.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)); c021 = c021.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L));
            c030 = c030.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)); c031 = c031.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L));
            c040 = c040.add(FloatVector.fromArray(S, c, cOff + 4 * ldc)); c041 = c041.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + L));
            c050 = c050.add(FloatVector.fromArray(S, c, cOff + 5 * ldc)); c051 = c051.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + L));
            c060 = c060.add(FloatVector.fromArray(S, c, cOff + 6 * ldc)); c061 = c061.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + L));
            c070 = c070.add(FloatVector.fromArray(S, c, cOff + 7 * ldc)); c071 = c071.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + L));
            c080 = c080.add(FloatVector.fromArray(S, c, cOff + 8 * ldc)); c081 = c081.add(FloatVector.fromArray(S, c, cOff + 8 * ldc + L));
            c090 = c090.add(FloatVector.fromArray(S, c, cOff + 9 * ldc)); c091 = c091.add(FloatVector.fromArray(S, c, cOff + 9 * ldc + L));
            c100 = c100.add(FloatVector.fromArray(S, c, cOff + 10 * ldc)); c101 = c101.add(FloatVector.fromArray(S, c, cOff + 10 * ldc + L));
            c110 = c110.add(FloatVector.fromArray(S, c, cOff + 11 * ldc)); c111 = c111.add(FloatVector.fromArray(S, c, cOff + 11 * ldc + L));
        }
        c000.intoArray(c, cOff); c001.intoArray(c, cOff + L);
        c010.intoArray(c, cOff + 1 * ldc); c011.intoArray(c, cOff + 1 * ldc + L);
        c020.intoArray(c, cOff + 2 * ldc); c021.intoArray(c, cOff + 2 * ldc + L);
        c030.intoArray(c, cOff + 3 * ldc); c031.intoArray(c, cOff + 3 * ldc + L);
        c040.intoArray(c, cOff + 4 * ldc); c041.intoArray(c, cOff + 4 * ldc + L);
        c050.intoArray(c, cOff + 5 * ldc); c051.intoArray(c, cOff + 5 * ldc + L);
        c060.intoArray(c, cOff + 6 * ldc); c061.intoArray(c, cOff + 6 * ldc + L);
        c070.intoArray(c, cOff + 7 * ldc); c071.intoArray(c, cOff + 7 * ldc + L);
        c080.intoArray(c, cOff + 8 * ldc); c081.intoArray(c, cOff + 8 * ldc + L);
        c090.intoArray(c, cOff + 9 * ldc); c091.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc); c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc); c111.intoArray(c, cOff + 11 * ldc + L);
    }

    /** {@link #packedA12} with A(r, k) = a[aOff + r*lda + k]: the same loop over twelve row streams. */
    private static void rowsA12(float[] c, int cOff, int ldc, boolean add,
                              float[] a, int aOff, int lda, float[] bp, int bOff, int kc) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c000 = z, c001 = z, c010 = z, c011 = z, c020 = z, c021 = z;
        FloatVector c030 = z, c031 = z, c040 = z, c041 = z, c050 = z, c051 = z;
        FloatVector c060 = z, c061 = z, c070 = z, c071 = z, c080 = z, c081 = z;
        FloatVector c090 = z, c091 = z, c100 = z, c101 = z, c110 = z, c111 = z;
        int a0 = aOff, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        int a6 = a5 + lda, a7 = a6 + lda, a8 = a7 + lda, a9 = a8 + lda, a10 = a9 + lda, a11 = a10 + lda;
        for (int k = 0; k < kc; k++) {
            int b = bOff + k * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, b), b1 = FloatVector.fromArray(S, bp, b + L);
            FloatVector x;
            x = FloatVector.broadcast(S, a[a0 + k]);   c000 = x.fma(b0, c000); c001 = x.fma(b1, c001);
            x = FloatVector.broadcast(S, a[a1 + k]);   c010 = x.fma(b0, c010); c011 = x.fma(b1, c011);
            x = FloatVector.broadcast(S, a[a2 + k]);   c020 = x.fma(b0, c020); c021 = x.fma(b1, c021);
            x = FloatVector.broadcast(S, a[a3 + k]);   c030 = x.fma(b0, c030); c031 = x.fma(b1, c031);
            x = FloatVector.broadcast(S, a[a4 + k]);   c040 = x.fma(b0, c040); c041 = x.fma(b1, c041);
            x = FloatVector.broadcast(S, a[a5 + k]);   c050 = x.fma(b0, c050); c051 = x.fma(b1, c051);
            x = FloatVector.broadcast(S, a[a6 + k]);   c060 = x.fma(b0, c060); c061 = x.fma(b1, c061);
            x = FloatVector.broadcast(S, a[a7 + k]);   c070 = x.fma(b0, c070); c071 = x.fma(b1, c071);
            x = FloatVector.broadcast(S, a[a8 + k]);   c080 = x.fma(b0, c080); c081 = x.fma(b1, c081);
            x = FloatVector.broadcast(S, a[a9 + k]);   c090 = x.fma(b0, c090); c091 = x.fma(b1, c091);
            x = FloatVector.broadcast(S, a[a10 + k]);  c100 = x.fma(b0, c100); c101 = x.fma(b1, c101);
            x = FloatVector.broadcast(S, a[a11 + k]);  c110 = x.fma(b0, c110); c111 = x.fma(b1, c111);
        }
        // stores written out: a helper called twelve times is not inlined by C2 (node-count cutoff),
        // and an out-of-line call would box the accumulators
        if (add) {
            c000 = c000.add(FloatVector.fromArray(S, c, cOff)); c001 = c001.add(FloatVector.fromArray(S, c, cOff + L));
            c010 = c010.add(FloatVector.fromArray(S, c, cOff + 1 * ldc)); c011 = c011.add(FloatVector.fromArray(S, c, cOff + 1 * ldc + L));
            c020 = c020.add(FloatVector.fromArray(S, c, cOff + 2 * ldc)); c021 = c021.add(FloatVector.fromArray(S, c, cOff + 2 * ldc + L));
            c030 = c030.add(FloatVector.fromArray(S, c, cOff + 3 * ldc)); c031 = c031.add(FloatVector.fromArray(S, c, cOff + 3 * ldc + L));
            c040 = c040.add(FloatVector.fromArray(S, c, cOff + 4 * ldc)); c041 = c041.add(FloatVector.fromArray(S, c, cOff + 4 * ldc + L));
            c050 = c050.add(FloatVector.fromArray(S, c, cOff + 5 * ldc)); c051 = c051.add(FloatVector.fromArray(S, c, cOff + 5 * ldc + L));
            c060 = c060.add(FloatVector.fromArray(S, c, cOff + 6 * ldc)); c061 = c061.add(FloatVector.fromArray(S, c, cOff + 6 * ldc + L));
            c070 = c070.add(FloatVector.fromArray(S, c, cOff + 7 * ldc)); c071 = c071.add(FloatVector.fromArray(S, c, cOff + 7 * ldc + L));
            c080 = c080.add(FloatVector.fromArray(S, c, cOff + 8 * ldc)); c081 = c081.add(FloatVector.fromArray(S, c, cOff + 8 * ldc + L));
            c090 = c090.add(FloatVector.fromArray(S, c, cOff + 9 * ldc)); c091 = c091.add(FloatVector.fromArray(S, c, cOff + 9 * ldc + L));
            c100 = c100.add(FloatVector.fromArray(S, c, cOff + 10 * ldc)); c101 = c101.add(FloatVector.fromArray(S, c, cOff + 10 * ldc + L));
            c110 = c110.add(FloatVector.fromArray(S, c, cOff + 11 * ldc)); c111 = c111.add(FloatVector.fromArray(S, c, cOff + 11 * ldc + L));
        }
        c000.intoArray(c, cOff); c001.intoArray(c, cOff + L);
        c010.intoArray(c, cOff + 1 * ldc); c011.intoArray(c, cOff + 1 * ldc + L);
        c020.intoArray(c, cOff + 2 * ldc); c021.intoArray(c, cOff + 2 * ldc + L);
        c030.intoArray(c, cOff + 3 * ldc); c031.intoArray(c, cOff + 3 * ldc + L);
        c040.intoArray(c, cOff + 4 * ldc); c041.intoArray(c, cOff + 4 * ldc + L);
        c050.intoArray(c, cOff + 5 * ldc); c051.intoArray(c, cOff + 5 * ldc + L);
        c060.intoArray(c, cOff + 6 * ldc); c061.intoArray(c, cOff + 6 * ldc + L);
        c070.intoArray(c, cOff + 7 * ldc); c071.intoArray(c, cOff + 7 * ldc + L);
        c080.intoArray(c, cOff + 8 * ldc); c081.intoArray(c, cOff + 8 * ldc + L);
        c090.intoArray(c, cOff + 9 * ldc); c091.intoArray(c, cOff + 9 * ldc + L);
        c100.intoArray(c, cOff + 10 * ldc); c101.intoArray(c, cOff + 10 * ldc + L);
        c110.intoArray(c, cOff + 11 * ldc); c111.intoArray(c, cOff + 11 * ldc + L);
    }

    // ---- six rows, for 256-bit vectors (16 registers) ----

    private static void packedA6(float[] c, int cOff, int ldc, boolean add,
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

    /** {@link #packedA6} with A(r, k) = a[aOff + r*lda + k]: the same loop over six row streams. */
    private static void rowsA6(float[] c, int cOff, int ldc, boolean add,
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
