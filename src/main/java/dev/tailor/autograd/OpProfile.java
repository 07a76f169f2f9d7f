package dev.tailor.autograd;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Wall time per op, for {@code tailor bench train --profile}: a forward op is charged the time
 * since the previous op was recorded on the tape (its kernel and whatever unrecorded work led up
 * to it), a backward rule the time it ran. Off by default; when off it costs one field read per op.
 * Meant for the calling thread of a training step; nested rules (activation checkpointing) are
 * counted inside the rule that runs them as well as on their own.
 */
public final class OpProfile {

    private static volatile boolean on;
    private static long mark;
    private static final Map<String, long[]> TIMES = new LinkedHashMap<>(); // "phase op" -> {nanos, calls}

    private OpProfile() {}

    /** Starts (or restarts) counting from now. */
    public static synchronized void start() { TIMES.clear(); on = true; mark = System.nanoTime(); }

    /** True while counting. */
    static boolean on() { return on; }

    /** Stops counting; the totals stay readable. */
    public static void stop() { on = false; }

    /** Starts a new interval without charging the time since the last mark to anything. */
    public static void mark() { if (on) mark = System.nanoTime(); }

    /** Charges the time since the last mark to {@code phase op} and marks now. */
    public static synchronized void charge(String phase, String op) {
        if (!on) return;
        long now = System.nanoTime();
        add(phase + " " + op, now - mark);
        mark = now;
    }

    static void forward(String op) { if (on) charge("forward", op); }

    static synchronized void backward(String op, long nanos) { add("backward " + op, nanos); }

    private static void add(String key, long nanos) {
        long[] t = TIMES.computeIfAbsent(key, k -> new long[2]);
        t[0] += nanos;
        t[1]++;
    }

    /** Totals per {@code phase op}, largest first, as text lines: seconds per step, share, calls per step. */
    public static synchronized String report(int steps) {
        long total = TIMES.values().stream().mapToLong(t -> t[0]).sum();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-34s %9s %7s %9s%n", "op", "s/step", "share", "calls/step"));
        TIMES.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).forEach(e ->
                sb.append(String.format(Locale.ROOT, "%-34s %9.3f %6.1f%% %9.1f%n", e.getKey(), e.getValue()[0] / 1e9 / steps,
                        100.0 * e.getValue()[0] / total, (double) e.getValue()[1] / steps)));
        return sb.toString();
    }
}
