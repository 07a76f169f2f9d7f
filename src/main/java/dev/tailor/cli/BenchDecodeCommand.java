package dev.tailor.cli;

import dev.tailor.generate.Generator;
import dev.tailor.generate.SamplingConfig;
import dev.tailor.generate.StopRules;
import dev.tailor.generate.TokenListener;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelLoader;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearSlot;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * {@code tailor bench decode}: prefill and decode speed of one sequence, set against the memory
 * bandwidth measured in the same run. Decoding one token reads every weight once (the matrices
 * through Gemv, one row of each embedding table), so weight bytes per token times tokens per
 * second is the bandwidth it uses; the copy benchmark gives the bandwidth the machine has.
 *
 * <p>The bandwidth is measured on 512 MiB off-heap buffers (far larger than any cache) with 2
 * threads, each taking half: a copy (bytes read plus bytes written, as STREAM counts it) and a
 * read-only sum, whose access pattern is decoding's (weights are only read; a copy also pays for
 * the writes). Rounds alternate decoding and bandwidth passes; speeds are the best round's (the
 * one least disturbed by other work on a shared machine), the fractions the median of each
 * round's own ratio.
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Prefill and decode tokens/s of a model, and the fraction of the machine's memory bandwidth decoding reaches.")
public final class BenchDecodeCommand implements Runnable {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    private static final int COPY_THREADS = 2;

    @Option(names = "--model", required = true, description = "model folder (config.json + safetensors)")
    Path model;

    @Option(names = "--tokens", defaultValue = "64", description = "new tokens to decode per run (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "prompt length for the prefill (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--runs", defaultValue = "6", description = "rounds of decoding + bandwidth passes (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--bandwidth-mib", defaultValue = "512", description = "size of each bandwidth buffer; keep it far above the last-level cache (default: ${DEFAULT-VALUE})")
    int bandwidthMib;

    @Option(names = "--json", description = "one JSON object instead of text")
    boolean json;

    @Override public void run() {
        if (tokens < 2 || promptTokens < 1 || runs < 1 || bandwidthMib < 1) {
            throw new IllegalArgumentException("--tokens must be >= 2, --prompt-tokens, --runs and --bandwidth-mib >= 1; got "
                    + tokens + ", " + promptTokens + ", " + runs + ", " + bandwidthMib);
        }
        CausalLM lm = ModelLoader.load(model, false);
        int context = lm.config().maxPositionEmbeddings();
        if (promptTokens + tokens > context) {
            throw new IllegalArgumentException("--prompt-tokens + --tokens = " + (promptTokens + tokens) + " exceeds the model's context of " + context + " tokens");
        }
        int[] prompt = new SplittableRandom(1).ints(promptTokens, 0, lm.config().vocabSize()).toArray();
        Generator gen = new Generator(lm);
        gen.generate(List.of(prompt), Math.min(tokens, 16), SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE); // warm-up (JIT)
        Round[] rounds = new Round[runs];
        for (int r = 0; r < runs; r++) { // decoding then bandwidth, back to back, so both see the same load on a shared machine
            Generator.Result res = gen.generate(List.of(prompt), tokens, SamplingConfig.greedy(), StopRules.none(), null, TokenListener.NONE);
            rounds[r] = new Round(promptTokens / res.prefillSeconds(), res.decodeSteps() / res.decodeSeconds(),
                    bandwidth((long) bandwidthMib << 20, 3));
        }
        report(lm, weightBytesPerToken(lm), rounds);
    }

    /** One round's figures: tokens/s of the prefill and of decoding, then the bandwidth measured right after. */
    record Round(double prefillTps, double decodeTps, Bandwidth bandwidth) {}

    /**
     * Speeds and bandwidths are each the best round's; the fractions are the median over rounds of
     * each round's own ratio, so that a round disturbed by other work on the machine (which slows
     * decoding and the bandwidth passes alike) neither inflates nor deflates them.
     */
    private void report(CausalLM lm, long bytes, Round[] rounds) {
        PrintWriter out = spec.commandLine().getOut();
        double prefill = 0, decode = 0, copy = 0, read = 0;
        double[] fCopy = new double[rounds.length], fRead = new double[rounds.length];
        for (int r = 0; r < rounds.length; r++) {
            Round x = rounds[r];
            prefill = Math.max(prefill, x.prefillTps());
            decode = Math.max(decode, x.decodeTps());
            copy = Math.max(copy, x.bandwidth().copy());
            read = Math.max(read, x.bandwidth().read());
            fCopy[r] = bytes * x.decodeTps() / x.bandwidth().copy();
            fRead[r] = bytes * x.decodeTps() / x.bandwidth().read();
        }
        String dtype = lm.config().dtype().name().toLowerCase(Locale.ROOT);
        if (json) {
            out.printf(Locale.ROOT, "{\"model\":\"%s\",\"dtype\":\"%s\",\"threads\":%d,\"prompt_tokens\":%d,\"new_tokens\":%d,"
                            + "\"prefill_tokens_per_s\":%.2f,\"decode_tokens_per_s\":%.2f,\"weight_bytes_per_token\":%d,"
                            + "\"decode_bytes_per_s\":%.4e,\"copy_bandwidth_bytes_per_s\":%.4e,\"read_bandwidth_bytes_per_s\":%.4e,"
                            + "\"fraction_of_copy_bandwidth\":%.4f,\"fraction_of_read_bandwidth\":%.4f,\"rounds\":%s}%n",
                    jsonEscape(model.toString()), dtype, Parallel.threads(), promptTokens, tokens, prefill, decode, bytes,
                    bytes * decode, copy, read, median(fCopy), median(fRead), roundsJson(rounds));
        } else {
            out.printf(Locale.ROOT, "model %s (%s weights), %d threads, %d rounds%n", model, dtype, Parallel.threads(), runs);
            out.printf(Locale.ROOT, "prefill  %8.1f tokens/s  (%d-token prompt, best round)%n", prefill, promptTokens);
            out.printf(Locale.ROOT, "decode   %8.2f tokens/s  (%d new tokens, batch 1, best round)%n", decode, tokens);
            out.printf(Locale.ROOT, "weights read per token   %.1f MB  ->  %.2f GB/s while decoding%n", bytes / 1e6, bytes * decode / 1e9);
            out.printf(Locale.ROOT, "memory bandwidth, %d threads, %d MiB buffers: copy %.2f GB/s (read + write), read %.2f GB/s (best round)%n",
                    COPY_THREADS, bandwidthMib, copy / 1e9, read / 1e9);
            out.printf(Locale.ROOT, "decode reaches %.0f%% of the copy bandwidth, %.0f%% of the read bandwidth (median of per-round ratios)%n",
                    100 * median(fCopy), 100 * median(fRead));
        }
        out.flush();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    private static String roundsJson(Round[] rounds) {
        StringBuilder sb = new StringBuilder("[");
        for (Round r : rounds) {
            if (sb.length() > 1) sb.append(',');
            sb.append(String.format(Locale.ROOT, "{\"decode_tokens_per_s\":%.6e,\"copy_bandwidth_bytes_per_s\":%.6e,\"read_bandwidth_bytes_per_s\":%.6e}",
                    r.decodeTps(), r.bandwidth().copy(), r.bandwidth().read()));
        }
        return sb.append(']').toString();
    }

    /**
     * Bytes of weights one decoding step reads: every linear layer's weight and bias in its stored
     * dtype (a head tied to the embedding reads the whole table), every norm weight, and one row
     * of each embedding table that is not also a head.
     */
    static long weightBytesPerToken(CausalLM lm) {
        Set<Tensor> counted = Collections.newSetFromMap(new IdentityHashMap<>());
        long bytes = 0;
        for (LinearSlot slot : lm.linears()) {
            Linear base = slot.get().base();
            for (Tensor t : new Tensor[] {base.weight(), base.bias()}) {
                if (t != null && counted.add(t)) bytes += t.storage().byteSize();
            }
        }
        for (Tensor t : lm.parameters().values()) {
            if (!counted.add(t)) continue;
            bytes += t.rank() == 2 ? t.storage().byteSize() / t.dim(0) : t.storage().byteSize(); // (rows, C) table: one row
        }
        return bytes;
    }

    /** Copy and read bandwidths in bytes/s. */
    record Bandwidth(double copy, double read) {}

    /**
     * Copy: src into dst, counted as bytes read plus bytes written (STREAM's convention). Read: a
     * vector sum over src, the access pattern of decoding (weights are only read). Each of the
     * {@link #COPY_THREADS} threads takes its half of the buffer. The best of {@code repeats} passes each.
     */
    static Bandwidth bandwidth(long bytes, int repeats) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocate(bytes, 64), dst = arena.allocate(bytes, 64);
            src.fill((byte) 1);
            dst.fill((byte) 2); // touch every page before timing
            long half = bytes / COPY_THREADS;
            double[] sink = new double[COPY_THREADS];
            for (int i = 0; i < 20_000; i++) sink[0] += sum(src, 0, 1 << 14); // compiled with vector intrinsics before timing
            double copy = Double.MAX_VALUE, read = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                copy = Math.min(copy, timeThreads(i -> MemorySegment.copy(src, i * half, dst, i * half, half)));
                read = Math.min(read, timeThreads(i -> sink[i] += sum(src, i * half, half)));
            }
            if (Double.isNaN(sink[0])) throw new IllegalStateException("unreachable: keeps the sums alive");
            return new Bandwidth(2.0 * bytes / copy, bytes / read);
        }
    }

    private static double timeThreads(IntConsumer body) {
        Thread[] threads = new Thread[COPY_THREADS];
        long t0 = System.nanoTime();
        for (int i = 0; i < COPY_THREADS; i++) {
            int part = i;
            threads[i] = Thread.ofPlatform().start(() -> body.accept(part));
        }
        for (Thread t : threads) join(t);
        return (System.nanoTime() - t0) * 1e-9;
    }

    /** Sum of the floats in [from, from + bytes), four vector accumulators to keep loads in flight. */
    private static double sum(MemorySegment seg, long from, long bytes) {
        var f = FloatVector.SPECIES_PREFERRED;
        var a0 = FloatVector.zero(f);
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        long step = 4L * f.vectorByteSize(), end = from + bytes - bytes % step;
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        for (long o = from; o < end; o += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(f, seg, o, le));
            a1 = a1.add(FloatVector.fromMemorySegment(f, seg, o + f.vectorByteSize(), le));
            a2 = a2.add(FloatVector.fromMemorySegment(f, seg, o + 2L * f.vectorByteSize(), le));
            a3 = a3.add(FloatVector.fromMemorySegment(f, seg, o + 3L * f.vectorByteSize(), le));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring bandwidth", e);
        }
    }

    private static String jsonEscape(String s) { return s.replace("\\", "\\\\").replace("\"", "\\\""); }
}
