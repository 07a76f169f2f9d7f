package dev.tailor.tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Float arrays that a training step hands on to the next one instead of to the garbage collector.
 *
 * <p>Ops take their outputs (and tensors their gradients) through {@link #floats}. Outside a scope
 * that is {@code new float[n]}. Inside a scope ({@link #open}, on the calling thread) the array is a
 * zeroed free array of that length from this thread's pool when there is one, and it goes back to
 * the pool when the scope closes: a step's activations and gradients are all dead by then, and the
 * next step, or the next checkpointed block, asks for the same lengths. What outlives the scope is
 * handed on with {@link #keep} (a checkpointed block's output passes to the enclosing scope). A
 * tensor's gradient comes from the scope that holds the tensor's own array, so the gradient of a
 * tensor from outside (a parameter, a block's input) is never recycled behind its owner's back.
 * The tape gives gradients and activations back early, as soon as every op reading them has run
 * ({@link #giveBack}), so a backward pass reuses the forward's arrays as it goes.
 *
 * <p>Scopes belong around work whose arrays are dead at the end (a training step, a checkpointed
 * block), not around a forward pass without gradients: there each activation dies as soon as the
 * next op has read it, and a scope would keep them all until it closes.
 *
 * <p>Without it a step allocates its activations afresh (gigabytes a step for Qwen2.5-0.5B at 512
 * tokens) and the collector spends a tenth of the step reclaiming them. The pool keeps at most what
 * the last outermost scope took of each length: shapes that stop occurring (a new sequence length)
 * are dropped when that scope closes, and {@link #release} drops the rest.
 */
public final class Workspace implements AutoCloseable {

    /** Shorter arrays are left to the allocator: they cost it next to nothing. */
    static final int MIN_FLOATS = 1024;

    private static final ThreadLocal<Pool> POOL = ThreadLocal.withInitial(Pool::new);

    /** One thread's free arrays and its open scopes. */
    private static final class Pool {
        final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>(); // length -> free arrays of that length
        final Map<Integer, Integer> taken = new HashMap<>();            // length -> arrays taken since the outermost scope opened
        Workspace top;                                                 // innermost open scope, or null
    }

    private final Pool pool;
    private final Workspace parent;
    private final Set<float[]> owned = Collections.newSetFromMap(new IdentityHashMap<>()); // taken in this scope, not yet returned
    private boolean closed;

    private Workspace(Pool pool, Workspace parent) {
        this.pool = pool;
        this.parent = parent;
    }

    /** Opens a scope on the calling thread: {@code try (Workspace w = Workspace.open()) { ... }}. */
    public static Workspace open() {
        Pool p = POOL.get();
        Workspace w = new Workspace(p, p.top);
        p.top = w;
        return w;
    }

    /** A zeroed float[n]: from the pool inside a scope, else new. */
    public static float[] floats(int n) {
        Pool p = POOL.get();
        return p.top == null || n < MIN_FLOATS ? new float[n] : p.top.take(n);
    }

    /** A zeroed float32 tensor of {@code shape} whose array comes from {@link #floats}. */
    public static Tensor zeros(Shape shape) {
        return new Tensor(shape, new FloatStorage(floats(shape.size())));
    }

    /**
     * Hands {@code t}'s array (and its gradient's) on to the enclosing scope, or to the garbage
     * collector when this is the outermost: it outlives this scope. Returns {@code t}.
     */
    public Tensor keep(Tensor t) {
        if (t.storage() instanceof FloatStorage(float[] d)) handOn(d);
        if (t.grad() != null) handOn(t.grad());
        return t;
    }

    /** Zeroed storage for the gradient of a tensor whose array is {@code data}: from the scope holding data, else new. */
    static float[] gradientFor(float[] data, int n) {
        Workspace w = n < MIN_FLOATS ? null : owner(data);
        return w == null ? new float[n] : w.take(n);
    }

    /**
     * Returns an array before its scope closes (a gradient or an activation the tape is done with),
     * if a scope on this thread holds it, for reuse in that scope. Nothing may read it afterwards.
     */
    public static void giveBack(float[] a) {
        if (a == null || a.length < MIN_FLOATS) return;
        Workspace w = owner(a);
        if (w != null && w.owned.remove(a)) w.pool.free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
    }

    /**
     * Returns every array taken in this scope to the pool. The outermost scope then trims the pool to
     * what it took of each length.
     */
    @Override public void close() {
        if (closed) return;
        if (pool.top != this) throw new IllegalStateException("workspace scopes must close innermost first, on the thread that opened them");
        closed = true;
        for (float[] a : owned) pool.free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        owned.clear();
        pool.top = parent;
        if (parent == null) trim();
    }

    private float[] take(int n) {
        ArrayDeque<float[]> q = pool.free.get(n);
        float[] a = q == null ? null : q.poll();
        if (a == null) a = new float[n];
        else Arrays.fill(a, 0f);
        owned.add(a);
        pool.taken.merge(n, 1, Integer::sum);
        return a;
    }

    private void handOn(float[] a) {
        if (owned.remove(a) && parent != null) parent.owned.add(a);
    }

    /** The open scope on this thread that holds {@code a}, innermost first; null if none. */
    private static Workspace owner(float[] a) {
        for (Workspace w = POOL.get().top; w != null; w = w.parent) if (w.owned.contains(a)) return w;
        return null;
    }

    private void trim() {
        pool.free.entrySet().removeIf(e -> {
            int keepCount = pool.taken.getOrDefault(e.getKey(), 0);
            while (e.getValue().size() > keepCount) e.getValue().poll();
            return e.getValue().isEmpty();
        });
        pool.taken.clear();
    }

    /** Drops this thread's free arrays (training is over: nothing will ask for those lengths again). */
    public static void release() {
        POOL.get().free.clear();
    }

    /** Floats held free in this thread's pool (for tests and diagnostics). */
    public static long pooledFloats() {
        long n = 0;
        for (ArrayDeque<float[]> q : POOL.get().free.values()) for (float[] a : q) n += a.length;
        return n;
    }
}
