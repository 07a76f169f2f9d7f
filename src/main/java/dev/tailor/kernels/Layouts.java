package dev.tailor.kernels;

import dev.tailor.tensor.Parallel;

/** Data movement that changes layout: the transpose of the last two dims, blocked for cache. */
public final class Layouts {

    /** Tile edge: a 32 x 32 float tile of the source and of the destination fit in L1 together. */
    private static final int TILE = 32;

    private Layouts() {}

    /**
     * out[b, n, m] = a[b, m, n] (or += when {@code accumulate}, the backward of the same transpose).
     * // out (batches, N, M), a (batches, M, N)
     */
    public static void transposeLast2(float[] out, float[] a, int batches, int M, int N, boolean accumulate) {
        int tilesM = (M + TILE - 1) / TILE;
        int work = batches * tilesM; // one unit = one band of TILE source rows in one batch
        Parallel.forChunks(work, Math.max(1, Elementwise.MIN_PER_CHUNK / Math.max(1, TILE * N)), (c, w0, w1) -> {
            for (int w = w0; w < w1; w++) {
                int b = w / tilesM, m0 = (w % tilesM) * TILE, m1 = Math.min(M, m0 + TILE);
                int base = b * M * N;
                for (int n0 = 0; n0 < N; n0 += TILE) {
                    int n1 = Math.min(N, n0 + TILE);
                    for (int m = m0; m < m1; m++) {
                        int src = base + m * N;
                        for (int n = n0; n < n1; n++) {
                            int dst = base + n * M + m;
                            out[dst] = accumulate ? out[dst] + a[src + n] : a[src + n];
                        }
                    }
                }
            }
        });
    }

    public static void transposeLast2Scalar(float[] out, float[] a, int batches, int M, int N, boolean accumulate) {
        for (int b = 0; b < batches; b++) {
            for (int m = 0; m < M; m++) {
                for (int n = 0; n < N; n++) {
                    int dst = (b * N + n) * M + m, src = (b * M + m) * N + n;
                    out[dst] = accumulate ? out[dst] + a[src] : a[src];
                }
            }
        }
    }
}
