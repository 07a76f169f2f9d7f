package dev.tailor.cli;

import dev.tailor.kernels.Gemm;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code tailor bench gemm}: GFLOP/s of {@link Gemm} on the matmuls of a SmolLM2-135M training step
 * at 1024 tokens, in the three forms a Linear layer needs (forward, input gradient, weight
 * gradient), with the weight in F32 and in BF16 (widened inside the kernel).
 *
 * <p>Each case runs {@code --warmup} untimed calls, then {@code --iters} timed calls, and reports
 * the best (fastest) call: on a shared machine the best is the figure least disturbed by other
 * work, and bench/openblas_gemm.py reports the same statistic.
 *
 * <p>The weight gradient (dytx) multiplies two float32 activations: no weight takes part, so it
 * has no BF16 variant and is reported for f32 only.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "GFLOP/s of the matmul engine on SmolLM2-135M training-step shapes (1024 tokens).")
public final class BenchGemmCommand implements Runnable {

    /** (M, K, N) = (tokens, in features, out features): q/o, k/v, gate/up, down, lm_head. */
    static final int[][] SHAPES = {{1024, 576, 576}, {1024, 576, 192}, {1024, 576, 1536}, {1024, 1536, 576}, {1024, 576, 49152}};

    enum Form { xwT, dyw, dytx }

    @Option(names = "--json", description = "One JSON object per line: {\"shape\":[M,K,N],\"form\":..,\"dtype\":..,\"gflops\":..}.")
    boolean json;

    @Option(names = "--iters", defaultValue = "5", description = "Timed calls per case; the best is reported (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed calls per case before timing (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Override public void run() {
        if (iters < 1 || warmup < 0) throw new IllegalArgumentException("--iters must be >= 1 and --warmup >= 0, got " + iters + " and " + warmup);
        if (!json) {
            System.out.printf(Locale.ROOT, "GEMM, %d threads, best of %d after %d warm-up calls; dytx has no weight operand, so f32 only%n",
                    Parallel.threads(), iters, warmup);
            System.out.printf(Locale.ROOT, "%-20s %-5s %-5s %10s %10s%n", "shape (M,K,N)", "form", "dtype", "ms", "GFLOP/s");
        }
        warmUpCompiler();
        for (int[] s : SHAPES) benchShape(s[0], s[1], s[2]);
    }

    /**
     * Runs every code path on a small problem until the JIT has compiled the kernels: at least 3 s,
     * then until ten rounds in a row bring no new best time (C2 takes seconds, more on a busy
     * machine), at most 30 s. Without it the first cases would time interpreted and C1 code.
     */
    private static void warmUpCompiler() {
        int m = 192, k = 448, n = 256; // k spans two K slices, so the read-modify-write of C is compiled too
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = random(rnd, m * k), dy = random(rnd, m * n), w = random(rnd, n * k);
        float[] y = new float[m * n], dx = new float[m * k], dw = new float[n * k];
        try (Arena arena = Arena.ofShared()) {
            Storage f32 = new FloatStorage(w), bf16 = toBf16(arena, w);
            long start = System.nanoTime(), best = Long.MAX_VALUE;
            for (int stale = 0; stale < 10 || System.nanoTime() - start < 3_000_000_000L; ) {
                long t0 = System.nanoTime();
                for (Storage wt : new Storage[] {f32, bf16}) {
                    Gemm.xwT(y, false, x, wt, m, k, n);
                    Gemm.dyw(dx, false, dy, wt, m, k, n);
                }
                Gemm.dytx(dw, false, dy, x, m, k, n);
                long t = System.nanoTime() - t0;
                if (t < best * 0.98) { best = t; stale = 0; } else stale++;
                if (System.nanoTime() - start > 30_000_000_000L) break;
            }
        }
    }

    private void benchShape(int m, int k, int n) {
        SplittableRandom rnd = new SplittableRandom(42);
        float[] x = random(rnd, m * k), dy = random(rnd, m * n), w = random(rnd, n * k); // (M,K), (M,N), (N,K)
        float[] y = new float[m * n], dx = new float[m * k], dw = new float[n * k];
        try (Arena arena = Arena.ofShared()) {
            Storage f32 = new FloatStorage(w);
            Storage bf16 = toBf16(arena, w);
            for (Form form : Form.values()) {
                for (Storage wt : new Storage[] {f32, bf16}) {
                    if (form == Form.dytx && wt != f32) continue;
                    Runnable call = switch (form) {
                        case xwT -> () -> Gemm.xwT(y, false, x, wt, m, k, n);
                        case dyw -> () -> Gemm.dyw(dx, false, dy, wt, m, k, n);
                        case dytx -> () -> Gemm.dytx(dw, false, dy, x, m, k, n);
                    };
                    report(m, k, n, form, wt.dtype(), bestSeconds(call));
                }
            }
        }
    }

    private double bestSeconds(Runnable call) {
        for (int i = 0; i < warmup; i++) call.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            call.run();
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
        }
        return best;
    }

    private void report(int m, int k, int n, Form form, DType dtype, double seconds) {
        double gflops = 2.0 * m * k * n / seconds * 1e-9;
        String dt = dtype == DType.BF16 ? "bf16" : "f32";
        if (json) {
            System.out.printf(Locale.ROOT, "{\"shape\":[%d,%d,%d],\"form\":\"%s\",\"dtype\":\"%s\",\"gflops\":%.2f}%n", m, k, n, form, dt, gflops);
        } else {
            System.out.printf(Locale.ROOT, "%-20s %-5s %-5s %10.3f %10.1f%n", "(" + m + "," + k + "," + n + ")", form, dt, seconds * 1e3, gflops);
        }
        System.out.flush();
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /** The weight as a little-endian BF16 segment, laid out as safetensors stores it. */
    private static Storage toBf16(Arena arena, float[] w) {
        MemorySegment seg = arena.allocate(2L * w.length, 64);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < w.length; i++) seg.setAtIndex(le, i, SegmentStorage.floatToBf16(w[i]));
        return new SegmentStorage(seg, DType.BF16);
    }
}
