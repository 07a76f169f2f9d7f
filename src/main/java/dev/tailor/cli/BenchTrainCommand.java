package dev.tailor.cli;

import dev.tailor.kernels.Gemm;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelConfig;
import dev.tailor.models.ModelInit;
import dev.tailor.models.Presets;
import dev.tailor.peft.LoraConfig;
import dev.tailor.quant.Nf4Base;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Tensor;
import dev.tailor.train.Methods;
import dev.tailor.train.StepBenchmark;
import dev.tailor.train.StepFlops;
import dev.tailor.train.Trainable;
import dev.tailor.train.Trainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code tailor bench train}: optimizer steps per second of a fine-tuning method on random tokens,
 * the peak resident memory of the process, and the model FLOP utilisation (see {@link StepFlops}
 * for what is counted) against the engine's best GEMM rate on the step's shapes and, when given,
 * OpenBLAS's (bench/openblas_gemm.py).
 *
 * <p>Memory figures should come from {@code --model}: a {@code --preset} model is generated in
 * this process one float32 weight at a time, and that transient counts in the peak.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time training steps of a method on random tokens: tokens/s, s/step, peak RSS, MFU.")
public final class BenchTrainCommand implements Runnable {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    static final class Source {
        @Option(names = "--model", description = "a model folder (config.json + safetensors)") Path model;
        @Option(names = "--preset", description = "a model shape generated in memory: " + "tiny, smollm2-135m, qwen2.5-0.5b") String preset;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Source source;
    @Option(names = "--arch", defaultValue = "llama", description = "architecture of a --preset (default: ${DEFAULT-VALUE})") String arch;
    @Option(names = "--dtype", description = "stored dtype of a --preset's frozen weights: f32 or bf16 (default f32)") String dtype;
    @Option(names = "--method", defaultValue = "lora", description = "lora, qlora, dora or full (default: ${DEFAULT-VALUE})") String method;
    @Option(names = "--targets", defaultValue = "all-linear", description = "all-linear or module names such as q_proj,v_proj (default: ${DEFAULT-VALUE})") String targets;
    @Option(names = "--rank", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE}); alpha is 2·rank") int rank;
    @Option(names = "--batch", defaultValue = "4", description = "sequences per step (default: ${DEFAULT-VALUE})") int batch;
    @Option(names = "--seq", defaultValue = "256", description = "tokens per sequence (default: ${DEFAULT-VALUE})") int seq;
    @Option(names = "--steps", defaultValue = "5", description = "timed steps after one warm-up step (default: ${DEFAULT-VALUE})") int steps;
    @Option(names = "--checkpointing", description = "recompute each block's forward in backward instead of keeping its activations") boolean checkpointing;
    @Option(names = "--blas-gflops", description = "OpenBLAS's GEMM rate in GFLOP/s on this machine (bench/openblas_gemm.py), for the MFU") Double blasGflops;
    @Option(names = "--engine-gflops", description = "use this engine GEMM rate instead of measuring it after the steps; 0 = skip (no engine MFU)") Double engineGflops;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the weights, the adapter and the tokens (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--profile", description = "print the wall time of each op (forward and backward) per step, largest first") boolean profile;
    @Option(names = "--json", description = "print one JSON line: {\"tokens_per_s\":..,\"step_s\":..,\"peak_rss_mb\":..,\"mfu\":..,...}") boolean json;

    @Override public void run() {
        if (batch < 1 || seq < 2 || steps < 1 || rank < 1) {
            throw new IllegalArgumentException("--batch, --rank and --steps must be >= 1 and --seq >= 2; got " + batch + ", " + rank + ", " + steps + ", " + seq);
        }
        if (source.model != null && dtype != null) throw new IllegalArgumentException("--dtype applies to --preset only; a --model keeps its stored dtype");
        java.io.PrintWriter out = spec.commandLine().getOut();
        Trainable target = prepare();
        target.model().checkpointing(checkpointing);
        StepFlops flops = StepFlops.of(target.model(), batch, seq);
        StepBenchmark.Result r = StepBenchmark.run(target, batch, seq, steps, seed, profile);
        double peakMb = peakRssMb();                                  // before the GEMM measurement allocates anything
        double stepS = r.medianSeconds(), tokensPerS = batch * seq / stepS, achieved = flops.total() / stepS * 1e-9;
        double engine = engineGflops != null ? engineGflops : bestEngineGflops(target.model().config(), batch * seq);
        if (engine <= 0) engine = Double.NaN;                         // --engine-gflops 0: not measured
        double mfuEngine = achieved / engine, mfu = blasGflops != null ? achieved / blasGflops : mfuEngine;
        if (json) {
            out.printf(Locale.ROOT, "{\"tokens_per_s\":%.2f,\"step_s\":%.4f,\"peak_rss_mb\":%.1f,\"mfu\":%s,\"mfu_basis\":\"%s\","
                            + "\"mfu_engine\":%s,\"achieved_gflops\":%.2f,\"engine_gflops\":%s,\"blas_gflops\":%s,\"step_gflop\":%.3f,"
                            + "\"step_s_min\":%.4f,\"step_s_max\":%.4f,\"threads\":%d}%n",
                    tokensPerS, stepS, peakMb, num(mfu, 4), blasGflops != null ? "openblas" : "engine", num(mfuEngine, 4), achieved, num(engine, 2),
                    blasGflops == null ? "null" : String.format(Locale.ROOT, "%.2f", blasGflops), flops.total() * 1e-9,
                    min(r.stepSeconds()), max(r.stepSeconds()), Parallel.threads());
        } else {
            report(out, target, flops, r, stepS, tokensPerS, achieved, engine, peakMb);
        }
        if (profile) out.print(dev.tailor.autograd.OpProfile.report(steps));
        out.flush();
    }

    private void report(java.io.PrintWriter out, Trainable target, StepFlops flops, StepBenchmark.Result r, double stepS, double tokensPerS,
                        double achieved, double engine, double peakMb) {
        String what = source.model != null ? source.model.toString() : source.preset + " (" + arch + ", " + (dtype == null ? "f32" : dtype) + ")";
        out.printf(Locale.ROOT, "bench train: %s, %s%s, batch %d x %d, %d timed steps, checkpointing %s, %d threads%n", what, method,
                method.equals("full") ? "" : " r=" + rank + " " + targets, batch, seq, steps, checkpointing ? "on" : "off", Parallel.threads());
        out.println(Trainer.summary(target));
        out.printf(Locale.ROOT, "step: median %.3f s (min %.3f, max %.3f), %.1f tokens/s, last loss %.4f%n",
                stepS, min(r.stepSeconds()), max(r.stepSeconds()), tokensPerS, r.lastLoss());
        out.printf(Locale.ROOT, "matmul GFLOP per step: forward %.1f + input grads %.1f + weight grads %.1f = %.1f; achieved %.1f GFLOP/s%n",
                flops.forward() * 1e-9, flops.backwardInput() * 1e-9, flops.backwardWeight() * 1e-9, flops.total() * 1e-9, achieved);
        if (!Double.isNaN(engine)) out.printf(Locale.ROOT, "MFU: %.1f%% of the engine's best GEMM rate (%.1f GFLOP/s%s)%n", 100 * achieved / engine, engine,
                engineGflops != null ? ", given" : ", measured on the step's shapes");
        if (blasGflops != null) out.printf(Locale.ROOT, "MFU: %.1f%% of OpenBLAS's GEMM rate (%.1f GFLOP/s, given)%n", 100 * achieved / blasGflops, blasGflops);
        out.printf(Locale.ROOT, "peak RSS (VmHWM): %.1f MiB%n", peakMb);
    }

    private Trainable prepare() {
        LoraConfig lora = LoraConfig.of(rank, 2.0 * rank, TrainCommand.targets(targets));
        if (source.model != null) return Methods.prepare(method, source.model, lora, seed);
        DType stored = dtype == null ? DType.F32 : switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> DType.F32;
            case "bf16", "bfloat16" -> DType.BF16;
            default -> throw new IllegalArgumentException("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        ModelConfig config = Presets.config(arch, source.preset, stored);
        if (method.equals("full")) {
            if (stored != DType.F32) throw new IllegalArgumentException("--method full trains float32 weights; drop --dtype " + dtype);
            return Methods.full(ModelInit.create(config, seed), null);
        }
        boolean nf4 = method.equals("qlora");
        CausalLM model = ModelInit.create(config, seed, (key, t) -> {
            Tensor kept = stored == DType.BF16 ? toBf16(t) : t;
            return nf4 ? Nf4Base.convert(key, kept) : kept;
        });
        return switch (method) {
            case "lora", "qlora" -> Methods.adapter(model, lora, seed);
            case "dora" -> Methods.adapter(model, lora.withDora(true), seed);
            default -> throw new IllegalArgumentException("--method '" + method + "' is not available (supported: " + Methods.SUPPORTED + ")");
        };
    }

    /** A float32 tensor stored as BF16, as a bf16 checkpoint would hold it. */
    private static Tensor toBf16(Tensor t) {
        float[] v = t.data();
        MemorySegment seg = Arena.ofAuto().allocate(2L * v.length, 2);
        ValueLayout.OfShort le = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) seg.setAtIndex(le, i, SegmentStorage.floatToBf16(v[i]));
        return new Tensor(t.shape(), new SegmentStorage(seg, DType.BF16));
    }

    /**
     * The engine's best GFLOP/s over the step's block shapes (N tokens): q/o (C, H·D), gate/up and
     * down (C, I), in the three forms of a Linear, f32 weights, best of 3 calls after one warm-up.
     */
    static double bestEngineGflops(ModelConfig c, int n) {
        int[][] shapes = {{c.hiddenSize(), c.numHeads() * c.headDim()}, {c.hiddenSize(), c.intermediateSize()}, {c.intermediateSize(), c.hiddenSize()}};
        SplittableRandom rnd = new SplittableRandom(1);
        double best = 0;
        for (int[] s : shapes) {
            int k = s[0], m = s[1];
            float[] x = random(rnd, n * k), dy = random(rnd, n * m), y = new float[n * m], dx = new float[n * k], dw = new float[m * k];
            FloatStorage w = new FloatStorage(random(rnd, m * k)); // (out, in)
            Runnable[] forms = {() -> Gemm.xwT(y, false, x, w, n, k, m), () -> Gemm.dyw(dx, false, dy, w, n, k, m), () -> Gemm.dytx(dw, false, dy, x, n, k, m)};
            for (Runnable f : forms) {
                f.run();
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    f.run();
                    best = Math.max(best, 2.0 * n * k * m / ((System.nanoTime() - t0) * 1e-9) * 1e-9);
                }
            }
        }
        return best;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    /** VmHWM of this process in MiB (the kernel reports KiB). */
    static double peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
            throw new IllegalStateException("/proc/self/status has no VmHWM line");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status for the peak RSS (Linux only): " + e.getMessage(), e);
        }
    }

    /** A JSON number, or null for NaN. */
    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static double min(double[] v) { double m = Double.MAX_VALUE; for (double x : v) m = Math.min(m, x); return m; }

    private static double max(double[] v) { double m = 0; for (double x : v) m = Math.max(m, x); return m; }
}
