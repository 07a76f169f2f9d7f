package dev.tailor.cli;

import dev.tailor.autograd.Tape;
import dev.tailor.kernels.Gemm;
import dev.tailor.models.CausalLM;
import dev.tailor.models.Inputs;
import dev.tailor.models.LoadOptions;
import dev.tailor.models.ModelLoader;
import dev.tailor.quant.Nf4Storage;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Storage;
import dev.tailor.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code tailor bench quant}: NF4 storage cost (bits per weight), round-trip error on a
 * real-shaped N(0, 0.02) weight, decode throughput (GB/s of float32 produced, one thread), the
 * forward GEMM with the weight in F32, BF16 and NF4, and with {@code --model DIR} the resident
 * memory of loading that model frozen in its stored dtype versus with an NF4 base.
 *
 * <p>Each model load is measured in a fresh JVM (this command runs itself with {@code --load}):
 * in one process the first model's mapped pages would still count in the second's RSS. After
 * the load a 16-token forward touches every weight, so the mapped BF16 weights are resident too.
 */
@Command(name = "quant", mixinStandardHelpOptions = true,
        description = "NF4: bits per weight, round-trip error, decode GB/s, GEMM GFLOP/s; with --model, RSS of bf16 vs NF4 loading.")
public final class BenchQuantCommand implements Runnable {

    @Option(names = "--json", description = "One JSON object per line instead of a table.")
    boolean json;

    @Option(names = "--rows", defaultValue = "4864", description = "Weight rows (out features) (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--cols", defaultValue = "896", description = "Weight columns (in features) (default: ${DEFAULT-VALUE}).")
    int cols;

    @Option(names = "--tokens", defaultValue = "512", description = "M of the GEMM case (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--iters", defaultValue = "5", description = "Timed repetitions; the best is reported (default: ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--model", description = "A model folder: measure RSS of loading it frozen (stored dtype) and with an NF4 base.")
    Path model;

    @Option(names = "--load", hidden = true, description = "Measure one load (frozen or nf4) in this process; used by the parent run.")
    String load;

    @Override public void run() {
        if (iters < 1 || rows < 1 || cols < 1 || tokens < 1) throw new IllegalArgumentException("--iters, --rows, --cols and --tokens must be >= 1");
        if (load != null) {
            if (model == null) throw new IllegalArgumentException("--load needs --model");
            System.out.println(ModelMemory.measure(model, load));
            return;
        }
        tensorFigures();
        if (model != null) {
            for (String mode : new String[] {"frozen", "nf4"}) report(runChild(mode));
        }
    }

    // ---- one real-shaped weight ----

    private void tensorFigures() {
        int n = rows * cols;
        double sigma = 0.02;
        SplittableRandom rnd = new SplittableRandom(7);
        float[] w = new float[n]; // (rows, cols)
        for (int i = 0; i < n; i++) w[i] = (float) (sigma * gaussian(rnd));
        Nf4Storage q = Nf4Storage.quantise(new FloatStorage(w));
        double quantise = best(() -> Nf4Storage.quantise(new FloatStorage(w)));
        float[] back = new float[n];
        double whole = best(() -> q.widen(0, back, 0, n));
        double se = 0, sumAbs = 0, maxAbs = 0;
        for (int i = 0; i < n; i++) {
            double e = back[i] - w[i];
            se += e * e;
            sumAbs += Math.abs(e);
            maxAbs = Math.max(maxAbs, Math.abs(e));
        }
        float[] run = new float[256]; // a Gemm packing run: (KC) floats of one weight row
        double runs = best(() -> { for (long p = 0; p < n; p += 256) q.widen(p, run, 0, (int) Math.min(256, n - p)); });
        double scalar = best(() -> { for (long p = 0; p < n; p += 256) q.widenScalar(p, run, 0, (int) Math.min(256, n - p)); });
        double gb = 4.0 * n * 1e-9;
        report(String.format(Locale.ROOT, "{\"shape\":[%d,%d],\"bits_per_param\":%.5f,\"rmse_over_std\":%.5f,\"mean_abs_over_std\":%.5f,"
                        + "\"max_abs_err\":%.4e,\"max_abs_over_std\":%.4f,\"quantise_melem_s\":%.1f,\"decode_gbps\":%.2f,\"decode_runs_gbps\":%.2f,"
                        + "\"decode_scalar_gbps\":%.2f}",
                rows, cols, q.bitsPerParameter(), Math.sqrt(se / n) / sigma, sumAbs / n / sigma, maxAbs, maxAbs / sigma,
                n / quantise * 1e-6, gb / whole, gb / runs, gb / scalar));
        gemmFigures(w, q);
    }

    private void gemmFigures(float[] w, Nf4Storage q) {
        int m = tokens, k = cols, nOut = rows;
        float[] x = new float[m * k], y = new float[m * nOut]; // (M, K), (M, N)
        SplittableRandom rnd = new SplittableRandom(11);
        for (int i = 0; i < x.length; i++) x[i] = (float) gaussian(rnd);
        try (Arena arena = Arena.ofShared()) { // the GEMM reads it from its worker threads
            MemorySegment seg = arena.allocate(2L * w.length, 64);
            ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < w.length; i++) seg.setAtIndex(le, i, SegmentStorage.floatToBf16(w[i]));
            for (Storage s : new Storage[] {new FloatStorage(w), new SegmentStorage(seg, DType.BF16), q}) {
                Gemm.xwT(y, false, x, s, m, k, nOut); // warm-up
                double sec = best(() -> Gemm.xwT(y, false, x, s, m, k, nOut));
                report(String.format(Locale.ROOT, "{\"gemm\":\"xwT\",\"shape\":[%d,%d,%d],\"dtype\":\"%s\",\"ms\":%.2f,\"gflops\":%.2f}",
                        m, k, nOut, s.dtype(), sec * 1e3, 2.0 * m * k * nOut / sec * 1e-9));
            }
        }
    }

    private double best(Runnable r) {
        r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < iters; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) * 1e-9);
        }
        return best;
    }

    // ---- model loads, each in its own JVM ----

    private String runChild(String mode) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "bench", "quant", "--model", model.toString(), "--load", mode));
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            int rc = p.waitFor();
            if (rc != 0) throw new IllegalStateException("measuring the " + mode + " load of " + model + " failed (exit " + rc + "): " + out);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a JVM to measure the " + mode + " load: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the " + mode + " load", e);
        }
    }

    private void report(String jsonLine) {
        if (json) System.out.println(jsonLine);
        else System.out.println(jsonLine.replace("{", "").replace("}", "").replace("\"", "").replace(",", ", ").replace(":", ": "));
        System.out.flush();
    }

    static double gaussian(SplittableRandom rnd) {
        double u = rnd.nextDouble(), v = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /** Resident memory of one model load, from /proc/self/status. */
    static final class ModelMemory {

        private ModelMemory() {}

        static String measure(Path dir, String mode) {
            LoadOptions options = switch (mode) {
                case "frozen" -> LoadOptions.FROZEN;
                case "nf4" -> LoadOptions.NF4;
                default -> throw new IllegalArgumentException("--load must be frozen or nf4, got '" + mode + "'");
            };
            long[] before = status();
            long t0 = System.nanoTime();
            CausalLM m = ModelLoader.load(dir, options);
            double loadSeconds = (System.nanoTime() - t0) * 1e-9;
            System.gc();
            long[] loaded = status();
            int[] ids = new int[16];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 7919) % m.config().vocabSize();
            long t1 = System.nanoTime();
            try (var g = Tape.noGrad()) { m.forward(Inputs.of(ids, 1, ids.length)); }
            double forwardSeconds = (System.nanoTime() - t1) * 1e-9;
            System.gc();
            long[] touched = status();
            long nf4Bytes = 0, otherBytes = 0;
            for (Tensor t : m.parameters().values()) {
                if (t.dtype() == DType.NF4) nf4Bytes += t.storage().byteSize(); else otherBytes += t.storage().byteSize();
            }
            double mb = 1.0 / 1024;
            return String.format(Locale.ROOT, "{\"model\":\"%s\",\"load\":\"%s\",\"load_s\":%.2f,\"forward16_s\":%.2f,"
                            + "\"weights_nf4_mb\":%.1f,\"weights_other_mb\":%.1f,\"rss_base_mb\":%.1f,\"rss_after_load_mb\":%.1f,"
                            + "\"rss_after_forward_mb\":%.1f,\"rss_anon_after_forward_mb\":%.1f,\"rss_file_after_forward_mb\":%.1f}",
                    dir, mode, loadSeconds, forwardSeconds, nf4Bytes / 1048576.0, otherBytes / 1048576.0,
                    before[0] * mb, loaded[0] * mb, touched[0] * mb, touched[1] * mb, touched[2] * mb);
        }

        /** VmRSS, RssAnon, RssFile in KiB. */
        private static long[] status() {
            long[] v = new long[3];
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    int i = line.startsWith("VmRSS:") ? 0 : line.startsWith("RssAnon:") ? 1 : line.startsWith("RssFile:") ? 2 : -1;
                    if (i >= 0) v[i] = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /proc/self/status (resident memory is measured on Linux only): " + e.getMessage(), e);
            }
            return v;
        }
    }
}
