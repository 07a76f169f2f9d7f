package dev.tailor.kernels;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import static dev.tailor.kernels.GemmKernel.MR;
import static dev.tailor.kernels.GemmKernel.NR;

/**
 * Packs blocks of op(A) and op(B) into the contiguous micro-panels that {@link GemmKernel}
 * streams: A as (kc, MR) panels, B as (kc, NR) panels, each zero-padded to a whole tile so the
 * kernel never branches on edges. B may be a frozen weight in BF16/F16: it is widened to
 * float32 here, one row run at a time, so only a (KC, NC) block of it ever exists as float32.
 */
final class GemmPack {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Half as many bits as a float vector: the same lane count of 16-bit values. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GemmPack() {}

    /**
     * Packs op(A)[i0 .. i0+mc, k0 .. k0+kc) into {@code ap}: tile t (rows t*MR ..) at t*MR*kc,
     * element (i, k) of the tile at k*MR + i. op(A)(i, k) = a[aOff + i*lda + k], or a[aOff + k*lda + i]
     * when {@code transA} (the dY^T of a weight gradient).
     */
    static void packA(float[] ap, float[] a, int aOff, int lda, boolean transA, int i0, int mc, int k0, int kc) {
        for (int t = 0; t * MR < mc; t++) {
            int base = t * MR * kc, rows = Math.min(MR, mc - t * MR), r0 = i0 + t * MR;
            if (transA) {
                for (int k = 0; k < kc; k++) {
                    int src = aOff + (k0 + k) * lda + r0, dst = base + k * MR;
                    for (int r = 0; r < rows; r++) ap[dst + r] = a[src + r]; // six floats: a loop beats arraycopy's call
                    for (int r = rows; r < MR; r++) ap[dst + r] = 0f;
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = aOff + (r0 + r) * lda + k0, dst = base + r;
                    for (int k = 0; k < kc; k++) ap[dst + k * MR] = a[src + k];
                }
                for (int r = rows; r < MR; r++) {
                    for (int k = 0; k < kc; k++) ap[base + k * MR + r] = 0f;
                }
            }
        }
    }

    /**
     * Packs op(B)[k0 .. k0+kc, j0 .. j0+nc) into {@code bp}: panel p (columns p*NR ..) at p*NR*kc,
     * element (k, j) of the panel at k*NR + j. op(B)(k, j) = b[bOff + k*ldb + j], or b[bOff + j*ldb + k]
     * when {@code transB} (a weight stored (out, in)). {@code run} is scratch of max(NR * KC, NC) floats.
     */
    static void packB(float[] bp, Storage b, long bOff, int ldb, boolean transB, int k0, int kc, int j0, int nc, float[] run) {
        float[] arr = b instanceof FloatStorage(float[] d) ? d : null;
        if (transB) {
            // k outer, the panel's columns inner: NR read streams (one per weight row) gathered into
            // contiguous writes, instead of strided writes that revisit every line of the panel
            int stride = arr == null ? kc : ldb; // between weight rows, in the array or in the widened copy
            int[] idx = gatherIndex(stride);
            for (int p = 0; p * NR < nc; p++) {
                int cols = Math.min(NR, nc - p * NR), base = p * NR * kc;
                long first = bOff + (long) (j0 + p * NR) * ldb + k0;
                float[] from = arr;
                int off = (int) first;
                if (arr == null) { // widen the panel's rows, (cols, kc), then transpose from there
                    for (int j = 0; j < cols; j++) widen(b, first + (long) j * ldb, run, j * kc, kc);
                    from = run; off = 0;
                }
                if (cols == NR) { // a full panel: one gather per vector of columns
                    for (int k = 0; k < kc; k++) {
                        int dst = base + k * NR, src = off + k;
                        FloatVector.fromArray(F, from, src, idx, 0).intoArray(bp, dst);
                        FloatVector.fromArray(F, from, src, idx, F.length()).intoArray(bp, dst + F.length());
                    }
                } else {
                    for (int k = 0; k < kc; k++) {
                        int dst = base + k * NR, src = off + k;
                        for (int j = 0; j < cols; j++) bp[dst + j] = from[src + j * stride];
                    }
                }
            }
        } else {
            for (int k = 0; k < kc; k++) {
                long src = bOff + (long) (k0 + k) * ldb + j0;
                float[] from = arr;
                int off = (int) src;
                if (arr == null) { widen(b, src, run, 0, nc); from = run; off = 0; }
                for (int p = 0; p * NR < nc; p++) {
                    System.arraycopy(from, off + p * NR, bp, p * NR * kc + k * NR, Math.min(NR, nc - p * NR));
                }
            }
        }
        int lastCols = nc % NR;
        if (lastCols != 0) { // zero the padding columns of the last panel: the buffer is reused
            int base = (nc / NR) * NR * kc;
            for (int k = 0; k < kc; k++) {
                for (int j = lastCols; j < NR; j++) bp[base + k * NR + j] = 0f;
            }
        }
    }

    /** j * stride for the NR columns of a panel: where column j of a transposed panel starts. */
    private static int[] gatherIndex(int stride) {
        int[] idx = new int[NR];
        for (int j = 0; j < NR; j++) idx[j] = j * stride;
        return idx;
    }

    /** Widens elements [from, from + n) of {@code s} to float32; BF16 in place from the mapped segment, a vector at a time. */
    static void widen(Storage s, long from, float[] dst, int off, int n) {
        if (s instanceof SegmentStorage(MemorySegment seg, DType dt) && dt == DType.BF16) {
            int i = 0;
            for (int lanes = H.length(); i <= n - lanes; i += lanes) {
                ShortVector h = ShortVector.fromMemorySegment(H, seg, (from + i) * 2, ByteOrder.LITTLE_ENDIAN);
                IntVector w = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
                // bfloat16 is the top half of a float32: shifting the bits up 16 is the exact widening
                w.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, off + i);
            }
            for (; i < n; i++) dst[off + i] = SegmentStorage.bf16ToFloat(seg.getAtIndex(I16_LE, from + i));
            return;
        }
        s.widen(from, dst, off, n);
    }
}
