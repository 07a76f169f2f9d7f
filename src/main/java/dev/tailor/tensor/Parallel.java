package dev.tailor.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The one thread pool: {@link #threads()} threads per call (the cores, or -Dtailor.threads=N), that
 * is the calling thread and one pool worker fewer. Kernels split their work once per call into one
 * contiguous chunk per thread, never per row.
 */
public final class Parallel {

    /** Body over a half-open range of work items. */
    @FunctionalInterface
    public interface Range { void run(int from, int to); }

    /** Body that knows which chunk it runs, for per-thread scratch buffers. */
    @FunctionalInterface
    public interface Chunk { void run(int chunk, int from, int to); }

    private static final int THREADS = Integer.getInteger("tailor.threads", Runtime.getRuntime().availableProcessors());
    /** Workers besides the calling thread, which runs a share of every call itself. */
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS - 1));

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
        // The caller runs chunk 0 itself while pool workers take the others: a call costs one
        // wake-up of a worker rather than a hand-off to the pool and back, and the caller's core
        // does its share instead of waiting (on a two-core machine, half of the work).
        final int nChunks = chunks;
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[nChunks - 1];
        for (int c = 1; c < nChunks; c++) {
            final int chunk = c;
            final int from = (int) ((long) n * c / nChunks), to = (int) ((long) n * (c + 1) / nChunks);
            others[c - 1] = POOL.submit(() -> body.run(chunk, from, to));
        }
        Throwable failure = null;
        try {
            body.run(0, 0, (int) ((long) n / nChunks));
        } catch (Throwable t) {
            failure = t;
        }
        for (ForkJoinTask<?> task : others) {
            try {
                task.join();
            } catch (Throwable t) {
                if (failure == null) failure = t; else failure.addSuppressed(t);
            }
        }
        if (failure instanceof RuntimeException e) throw e;
        if (failure instanceof Error e) throw e;
        if (failure != null) throw new RuntimeException(failure);
    }
}
