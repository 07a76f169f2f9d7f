package dev.tailor.kernels;

import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Storage;

import static dev.tailor.kernels.GemmKernel.MR;
import static dev.tailor.kernels.GemmKernel.NR;

/**
 * Float32 matrix multiply, row-major: C(M, N) (+)= op(A)(M, K) . op(B)(K, N).
 *
 * <p>A is a float[] (activations, output gradients). B is a {@link Storage}: a float[] or a
 * frozen weight mapped from a checkpoint in F32/BF16/F16, widened to float32 while its panels are
 * packed, a (KC, NC) block at a time. The structure is the classic one (Goto / BLIS): for each
 * NC-wide column block and KC-deep slice, pack B into (KC, NR) panels that stay in cache; for
 * each MC-tall row block, pack A into (KC, MR) panels when it is transposed (the dY^T of a weight
 * gradient), or read it in place when it is row-major (six row streams need no packing); then a
 * register-tiled MR x NR kernel ({@link GemmKernel}) sweeps the block. Work is split over
 * {@link Parallel} once per call: by column bands when A is read in place (each thread packs
 * only its part of B), otherwise along whichever of M or N has more tiles; each thread then
 * runs the blocked loop on its own part of C.
 *
 * <p>The forms a training step uses have named entry points ({@link #xwT}, {@link #dyw},
 * {@link #dytx}, {@link #xw}, {@link #dywT}, {@link #xTdy}); {@link #gemmScalar} is the plain
 * triple loop that the tests hold {@link #gemm} to.
 */
public final class Gemm {

    /**
     * Most depth of a packed slice: a (KC, NR) B panel (at most 40 KiB at NR = 32) stays in a
     * 48 KiB L1 across the row tiles. K is cut into equal slices (576 -> 2 x 288), each slice
     * being one more read-modify-write pass over C.
     */
    static final int KC = 320;
    /** Rows of an A block: (MC, KC) floats (180 KiB), packed or read in place, sit in L2. */
    static final int MC = MR * (144 / MR);
    /** Columns of a packed B block: (KC, NC) floats (3.75 MiB) sit in L3 and are reused for all of M. */
    static final int NC = NR * (3072 / NR);
    /** Below this many multiply-adds a call runs on the calling thread: forking costs more than it saves. */
    private static final long PARALLEL_MIN_MACS = 1L << 18;

    /** Per-thread packing buffers, reused across calls so a training step does not churn the heap. */
    private record Scratch(float[] ap /* (MC, KC) */, float[] bp /* (KC, NC) */, float[] run /* (max(NR * KC, NC)) */, float[] tile /* (MR, NR) */) {}

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(
            () -> new Scratch(new float[MC * KC], new float[KC * NC], new float[Math.max(NR * KC, NC)], new float[MR * NR]));

    private Gemm() {}

    // ---- the forms of a training step; (m, k, n) = (tokens, in features, out features) ----

    /** Y(M, N) (+)= X(M, K) . W(N, K)^T: nn.Linear forward, W stored (out, in). */
    public static void xwT(float[] y, boolean accumulate, float[] x, Storage w, int m, int k, int n) {
        gemm(y, 0, n, accumulate, x, 0, k, false, w, 0, k, true, m, n, k);
    }

    /** dX(M, K) (+)= dY(M, N) . W(N, K): input gradient of {@link #xwT}. */
    public static void dyw(float[] dx, boolean accumulate, float[] dy, Storage w, int m, int k, int n) {
        gemm(dx, 0, k, accumulate, dy, 0, n, false, w, 0, k, false, m, k, n);
    }

    /** dW(N, K) (+)= dY(M, N)^T . X(M, K): weight gradient of {@link #xwT}. */
    public static void dytx(float[] dw, boolean accumulate, float[] dy, float[] x, int m, int k, int n) {
        gemm(dw, 0, k, accumulate, dy, 0, n, true, new FloatStorage(x), 0, k, false, n, k, m);
    }

    /** Y(M, N) (+)= X(M, K) . W(K, N): GPT-2 Conv1D forward (W stored (in, out)) and plain matmul. */
    public static void xw(float[] y, boolean accumulate, float[] x, Storage w, int m, int k, int n) {
        gemm(y, 0, n, accumulate, x, 0, k, false, w, 0, n, false, m, n, k);
    }

    /** dX(M, K) (+)= dY(M, N) . W(K, N)^T: input gradient of {@link #xw}. */
    public static void dywT(float[] dx, boolean accumulate, float[] dy, Storage w, int m, int k, int n) {
        gemm(dx, 0, k, accumulate, dy, 0, n, false, w, 0, n, true, m, k, n);
    }

    /** dW(K, N) (+)= X(M, K)^T . dY(M, N): weight gradient of {@link #xw}. */
    public static void xTdy(float[] dw, boolean accumulate, float[] x, float[] dy, int m, int k, int n) {
        gemm(dw, 0, n, accumulate, x, 0, k, true, new FloatStorage(dy), 0, n, false, k, n, m);
    }

    // ---- the general entry point ----

    /**
     * C(M, N) (+)= op(A)(M, K) . op(B)(K, N), all row-major.
     * C(i, j) = c[cOff + i*ldc + j]; op(A)(i, p) = a[aOff + i*lda + p], or a[aOff + p*lda + i] if transA;
     * op(B)(p, j) = b[bOff + p*ldb + j], or b[bOff + j*ldb + p] if transB. With {@code accumulate}
     * the product is added to C, otherwise C is overwritten.
     */
    public static void gemm(float[] c, int cOff, int ldc, boolean accumulate,
                            float[] a, int aOff, int lda, boolean transA,
                            Storage b, long bOff, int ldb, boolean transB,
                            int m, int n, int k) {
        if (m <= 0 || n <= 0) return;
        long macs = (long) m * n * k;
        int tilesM = (m + MR - 1) / MR, tilesN = (n + NR - 1) / NR;
        if (macs < PARALLEL_MIN_MACS || Parallel.threads() == 1 || Math.max(tilesM, tilesN) < 2) {
            blocked(SCRATCH.get(), c, cOff, ldc, accumulate, a, aOff, lda, transA, b, bOff, ldb, transB, m, n, k);
        } else if (tilesN >= tilesM || !transA && tilesN >= 2 * Parallel.threads()) {
            // each thread takes a band of columns: B splits (each thread packs only its part), A is shared
            Parallel.forChunks(tilesN, 1, (chunk, from, to) -> {
                int j0 = from * NR, j1 = Math.min(n, to * NR);
                blocked(SCRATCH.get(), c, cOff + j0, ldc, accumulate, a, aOff, lda, transA,
                        b, bOff + (transB ? (long) j0 * ldb : j0), ldb, transB, m, j1 - j0, k);
            });
        } else { // each thread takes a band of rows: A splits, B is shared
            Parallel.forChunks(tilesM, 1, (chunk, from, to) -> {
                int i0 = from * MR, i1 = Math.min(m, to * MR);
                blocked(SCRATCH.get(), c, cOff + i0 * ldc, ldc, accumulate, a, aOff + (transA ? i0 : i0 * lda), lda, transA,
                        b, bOff, ldb, transB, i1 - i0, n, k);
            });
        }
    }

    /** {@link #gemm} with B a float[]. */
    public static void gemm(float[] c, int cOff, int ldc, boolean accumulate,
                            float[] a, int aOff, int lda, boolean transA,
                            float[] b, int bOff, int ldb, boolean transB,
                            int m, int n, int k) {
        gemm(c, cOff, ldc, accumulate, a, aOff, lda, transA, new FloatStorage(b), bOff, ldb, transB, m, n, k);
    }

    /** The single-threaded blocked loop over one part of C. */
    private static void blocked(Scratch s, float[] c, int cOff, int ldc, boolean accumulate,
                                float[] a, int aOff, int lda, boolean transA,
                                Storage b, long bOff, int ldb, boolean transB,
                                int m, int n, int k) {
        if (k == 0) {
            if (!accumulate) for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
            return;
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int slice = (k + (k + KC - 1) / KC - 1) / ((k + KC - 1) / KC); // equal slices of at most KC: no thin tail slice
            for (int pc = 0; pc < k; pc += slice) {
                int kc = Math.min(slice, k - pc);
                GemmPack.packB(s.bp, b, bOff, ldb, transB, pc, kc, jc, nc, s.run);
                boolean add = accumulate || pc > 0; // later slices add onto the earlier ones
                for (int ic = 0; ic < m; ic += MC) {
                    int mc = Math.min(MC, m - ic);
                    if (transA) {
                        GemmPack.packA(s.ap, a, aOff, lda, true, ic, mc, pc, kc);
                        sweepPacked(s, c, cOff + ic * ldc + jc, ldc, add, mc, nc, kc);
                    } else {
                        sweepRows(s, c, cOff + ic * ldc + jc, ldc, add, a, aOff + ic * lda + pc, lda, mc, nc, kc);
                    }
                }
            }
        }
    }

    /** All MR x NR tiles of a packed (mc, kc) A block times the packed (kc, nc) B block. */
    private static void sweepPacked(Scratch s, float[] c, int cOff, int ldc, boolean add, int mc, int nc, int kc) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bOff = (jr / NR) * NR * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                GemmKernel.tilePacked(c, cOff + ir * ldc + jr, ldc, add, s.ap, (ir / MR) * MR * kc, s.bp, bOff,
                        kc, Math.min(MR, mc - ir), nr, s.tile);
            }
        }
    }

    /**
     * The same sweep with A read in place (row-major, not transposed): full row tiles go straight
     * to the kernel; only a last partial tile of fewer than MR rows is packed (zero-padded).
     */
    private static void sweepRows(Scratch s, float[] c, int cOff, int ldc, boolean add,
                                  float[] a, int aOff, int lda, int mc, int nc, int kc) {
        int full = mc - mc % MR, rest = mc - full;
        if (rest > 0) GemmPack.packA(s.ap, a, aOff + full * lda, lda, false, 0, rest, 0, kc);
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr), bOff = (jr / NR) * NR * kc;
            for (int ir = 0; ir < full; ir += MR) {
                GemmKernel.tileRows(c, cOff + ir * ldc + jr, ldc, add, a, aOff + ir * lda, lda, s.bp, bOff, kc, nr, s.tile);
            }
            if (rest > 0) GemmKernel.tilePacked(c, cOff + full * ldc + jr, ldc, add, s.ap, 0, s.bp, bOff, kc, rest, nr, s.tile);
        }
    }

    /** The plain triple loop that {@link #gemm} must agree with: same arguments, same meaning. */
    public static void gemmScalar(float[] c, int cOff, int ldc, boolean accumulate,
                                  float[] a, int aOff, int lda, boolean transA,
                                  Storage b, long bOff, int ldb, boolean transB,
                                  int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = b.get(transB ? bOff + (long) j * ldb + p : bOff + (long) p * ldb + j);
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + sum : sum;
            }
        }
    }
}
