package dev.tailor.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The one thread pool: as many workers as cores (override with -Dtailor.threads=N). Kernels split
 * their work once per call into one contiguous chunk per thread, never per row.
 */
public final class Parallel {

    /** Body over a half-open range of work items. */
    @FunctionalInterface
    public interface Range { void run(int from, int to); }

    /** Body that knows which chunk it runs, for per-thread scratch buffers. */
    @FunctionalInterface
    public interface Chunk { void run(int chunk, int from, int to); }

    private static final int THREADS = Integer.getInteger("tailor.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(THREADS);

    private Parallel() {}

    public static int threads() { return THREADS; }

    /** Runs {@code body} over [0, n) split into at most {@link #threads()} contiguous chunks. */
    public static void forRange(int n, Range body) {
        forChunks(n, 1, (c, from, to) -> body.run(from, to));
    }

    /**
     * Runs {@code body} over [0, n) split into at most {@link #threads()} chunks of at least
     * {@code minPerChunk} items. Small work runs on the calling thread.
     */
    public static void forChunks(int n, int minPerChunk, Chunk body) {
        if (n <= 0) return;
        int chunks = Math.max(1, Math.min(THREADS, n / Math.max(1, minPerChunk)));
        if (chunks == 1 || ForkJoinTask.inForkJoinPool() && Thread.currentThread() instanceof java.util.concurrent.ForkJoinWorkerThread w && w.getPool() == POOL) {
            body.run(0, 0, n);
            return;
        }
        final int nChunks = chunks;
        RecursiveAction[] tasks = new RecursiveAction[nChunks];
        for (int c = 0; c < nChunks; c++) {
            final int chunk = c;
            final int from = (int) ((long) n * c / nChunks), to = (int) ((long) n * (c + 1) / nChunks);
            tasks[c] = new RecursiveAction() { @Override protected void compute() { body.run(chunk, from, to); } };
        }
        POOL.invoke(new RecursiveAction() {
            @Override protected void compute() { invokeAll(tasks); }
        });
    }
}
