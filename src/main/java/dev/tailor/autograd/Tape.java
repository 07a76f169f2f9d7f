package dev.tailor.autograd;

import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The autograd tape. Each differentiable op that has an input requiring a gradient records one
 * entry: its output and the rule that, given the output's gradient, adds into its inputs'
 * gradients. {@link #backward} replays the entries in reverse. One tape per thread.
 *
 * <p>Op families ({@code MatOps}, {@code NormOps}, ...) compute the forward with a kernel and call
 * {@link #record}; their backward rule sits next to the forward it differentiates.
 */
public final class Tape {

    /** Adds into the gradients of an op's inputs, reading {@code out.grad()}. */
    @FunctionalInterface
    public interface Rule { void backward(); }

    private record Entry(String op, Tensor out, Rule rule) {}

    private static final ThreadLocal<Tape> CURRENT = ThreadLocal.withInitial(Tape::new);

    private final List<Entry> entries = new ArrayList<>();
    private int noGradDepth;

    private Tape() {}

    /** The calling thread's tape. */
    public static Tape get() { return CURRENT.get(); }

    /** True when ops should record: not inside a {@link #noGrad()} scope. */
    public static boolean enabled() { return get().noGradDepth == 0; }

    /** True when an op over these inputs must record a backward rule. Null inputs are skipped. */
    public static boolean needsGrad(Tensor... inputs) {
        if (!enabled()) return false;
        for (Tensor t : inputs) if (t != null && t.requiresGrad()) return true;
        return false;
    }

    /** Records {@code rule} as the backward of the op that produced {@code out}; marks {@code out} as requiring grad. */
    public static void record(String op, Tensor out, Rule rule) {
        out.requiresGrad(true);
        get().entries.add(new Entry(op, out, rule));
        OpProfile.forward(op);
    }

    /** Number of entries recorded since the last backward or clear. */
    public static int size() { return get().entries.size(); }

    /**
     * Back-propagates from a one-element {@code loss}: seeds d(loss)=1 (added to any gradient
     * already there), runs every rule in reverse order, then clears the tape and frees the
     * gradients of the intermediate tensors. Leaf parameters keep their accumulated gradients.
     */
    public static void backward(Tensor loss) {
        if (loss.size() != 1) throw new IllegalArgumentException("backward() needs a one-element loss, got shape " + loss.shape());
        if (!loss.requiresGrad()) throw new IllegalStateException("loss does not depend on any trainable tensor (nothing was recorded on the tape)");
        loss.gradBuffer()[0] += 1f;
        replay();
    }

    /**
     * Back-propagates a given gradient {@code dOut} (out's element count) from a tensor of any
     * shape: adds it to out's gradient, then replays and clears the tape as {@link #backward(Tensor)}.
     */
    public static void backward(Tensor out, float[] dOut) {
        if (dOut.length != out.size()) throw new IllegalArgumentException("backward: gradient has " + dOut.length + " elements, output " + out.shape() + " has " + out.size());
        if (!out.requiresGrad()) throw new IllegalStateException("backward: output " + out.shape() + " does not depend on any trainable tensor");
        float[] g = out.gradBuffer();
        for (int i = 0; i < g.length; i++) g[i] += dOut[i];
        replay();
    }

    /**
     * Runs {@code body} on a fresh, empty tape of this thread, discards whatever it left recorded,
     * and puts the current tape back: lets activation checkpointing run a block's forward (and,
     * inside a backward rule, the block's own backward) without touching the outer tape.
     */
    public static <T> T scratch(java.util.function.Supplier<T> body) {
        Tape outer = get();
        Tape inner = new Tape();
        CURRENT.set(inner);
        try {
            return body.get();
        } finally {
            inner.clearEntries();
            CURRENT.set(outer);
        }
    }

    private static void replay() {
        Tape tape = get();
        List<Entry> es = tape.entries;
        Map<float[], Integer> sharing = outputArrays(es);
        try {
            for (int i = es.size() - 1; i >= 0; i--) {
                Entry e = es.get(i);
                if (e.out.grad() != null) {
                    if (OpProfile.on()) {
                        long t0 = System.nanoTime();
                        e.rule.backward();
                        OpProfile.backward(e.op, System.nanoTime() - t0);
                    } else {
                        e.rule.backward();
                    }
                }
                // Every op reading e.out was recorded later and has run: its gradient and the
                // activations the rule kept are garbage from here on, not at the end of backward.
                // The gradient goes straight back to the workspace that lent it, for the next rules;
                // so do e.out's values, unless an earlier entry's output (a view) shares them.
                float[] g = e.out.grad();
                e.out.dropGrad();
                Workspace.giveBack(g);
                if (e.out.storage() instanceof FloatStorage(float[] d) && sharing.merge(d, -1, Integer::sum) == 0) Workspace.giveBack(d);
                es.set(i, null);
            }
        } finally {
            tape.clearEntries();
        }
    }

    /** How many entries' outputs hold each float array (a reshape shares its input's). */
    private static Map<float[], Integer> outputArrays(List<Entry> es) {
        Map<float[], Integer> n = new IdentityHashMap<>();
        for (Entry e : es) if (e.out.storage() instanceof FloatStorage(float[] d)) n.merge(d, 1, Integer::sum);
        return n;
    }

    /** Discards recorded entries without back-propagating (e.g. after an evaluation forward). */
    public static void clear() { get().clearEntries(); }

    private void clearEntries() {
        for (Entry e : entries) if (e != null) e.out.dropGrad();
        entries.clear();
    }

    /** A scope in which nothing is recorded: {@code try (var g = Tape.noGrad()) { ... }}. */
    public static NoGrad noGrad() {
        get().noGradDepth++;
        return new NoGrad();
    }

    /** Closing it leaves the no-grad scope. */
    public static final class NoGrad implements AutoCloseable {
        private boolean closed;
        private NoGrad() {}
        @Override public void close() {
            if (!closed) { closed = true; get().noGradDepth--; }
        }
    }
}
