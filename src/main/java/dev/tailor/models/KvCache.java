package dev.tailor.models;

import dev.tailor.tensor.Tensor;

import java.util.Arrays;

/**
 * The keys and values of every token a model has already seen, so that a decoding step runs the
 * model on the new token only. One (B, capacity, KVH*D) float32 buffer for keys and one for values
 * per layer, allocated once at full capacity: grouped-query models store KVH heads, not H.
 *
 * <p>All rows advance together: slot s of every row holds that row's s-th token (prompts of
 * different lengths are left-padded, and the padding slots are marked so that no query sees them).
 * A forward pass with a cache first calls {@link #extend} to claim the next T slots of every row,
 * then each layer {@link Layer#append appends} its new keys and values and attends over the whole
 * buffer with queries at offset {@link Layer#offset}: the causal mask hides the slots not yet
 * filled, so the buffer is handed to attention without copying.
 */
public final class KvCache {

    /** What one layer's attention reads after appending: all keys and values so far, and their mask. */
    public record Entry(Tensor keys /* (B, capacity, KVH*D) */, Tensor values /* (B, capacity, KVH*D) */,
                        boolean[] padding /* (B*capacity) */, int offset /* slot of the first new query */) {}

    private final int batch, capacity, width;
    private final float[][] keys, values; // per layer (B, capacity, KVH*D)
    private final boolean[] padding;      // (B*capacity) true = padded slot
    private final int[] ids, positions;   // (B*capacity) the tokens seen so far, for models that recompute instead
    private final Layer[] layers;
    private int length;                   // slots claimed so far (the same for every row)
    private int offset;                   // slot where the current pass's tokens start

    /**
     * @param layers   number of transformer blocks
     * @param batch    B
     * @param capacity slots per row: prompt plus every token to be generated
     * @param width    KVH*D floats per token per layer
     */
    public KvCache(int layers, int batch, int capacity, int width) {
        if (layers <= 0 || batch <= 0 || capacity <= 0 || width <= 0) {
            throw new IllegalArgumentException("KvCache: layers, batch, capacity and width must be positive, got "
                    + layers + ", " + batch + ", " + capacity + ", " + width);
        }
        if ((long) batch * capacity * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("KvCache: one layer's buffer of " + batch + "*" + capacity + "*" + width
                    + " floats exceeds a Java array; lower the batch or the number of new tokens");
        }
        this.batch = batch; this.capacity = capacity; this.width = width;
        this.keys = new float[layers][batch * capacity * width];
        this.values = new float[layers][batch * capacity * width];
        this.padding = new boolean[batch * capacity];
        this.ids = new int[batch * capacity];
        this.positions = new int[batch * capacity];
        this.layers = new Layer[layers];
        for (int l = 0; l < layers; l++) this.layers[l] = new Layer(l);
    }

    /** A cache shaped for {@code config}: KVH*D floats per token per layer. */
    public static KvCache forModel(ModelConfig config, int batch, int capacity) {
        return new KvCache(config.numLayers(), batch, capacity, config.numKvHeads() * config.headDim());
    }

    public int batch() { return batch; }

    public int capacity() { return capacity; }

    /** Slots filled (claimed) in every row. */
    public int length() { return length; }

    /** Bytes held by the buffers. */
    public long byteSize() { return 8L * keys.length * keys[0].length + 9L * padding.length; }

    /**
     * Claims the next {@code in.seq()} slots of every row for the tokens of {@code in} and records
     * which of them are padding. Called once per forward pass, before the layers append.
     */
    public void extend(Inputs in) {
        if (in.batch() != batch) throw new IllegalArgumentException("KvCache holds " + batch + " rows, the inputs have " + in.batch());
        int t = in.seq();
        if (length + t > capacity) {
            throw new IllegalStateException("KvCache is full: " + length + " of " + capacity + " slots used, " + t + " more requested");
        }
        boolean[] pad = in.padding(); // (B*T) or null
        int[] pos = in.positionsOrDefault(); // (B*T)
        for (int b = 0; b < batch; b++) {
            int slot = b * capacity + length;
            if (pad == null) Arrays.fill(padding, slot, slot + t, false);
            else System.arraycopy(pad, b * t, padding, slot, t);
            System.arraycopy(in.ids(), b * t, ids, slot, t);
            System.arraycopy(pos, b * t, positions, slot, t);
        }
        offset = length;
        length += t;
    }

    /**
     * Every token claimed so far as one (B, length) input: what a model without a cached path of
     * its own runs again at each step (see {@link CausalLM#forward(Inputs, KvCache)}).
     */
    public Inputs history() {
        int[] i = new int[batch * length], p = new int[batch * length];
        boolean[] pad = new boolean[batch * length];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(ids, b * capacity, i, b * length, length);
            System.arraycopy(positions, b * capacity, p, b * length, length);
            System.arraycopy(padding, b * capacity, pad, b * length, length);
        }
        return new Inputs(i, batch, length, p, pad);
    }

    /** The view of layer {@code l}, for its attention to append to and read from. */
    public Layer layer(int l) { return layers[l]; }

    /** One layer's part of the cache. */
    public final class Layer {
        private final int index;

        private Layer(int index) { this.index = index; }

        /** Slot of the first token of the current pass: the query offset of causal attention. */
        public int offset() { return offset; }

        /**
         * Stores the current pass's keys and values in the claimed slots and returns everything
         * cached, as attention reads it.
         *
         * @param k (B, T, KVH*D) keys of the new tokens, after RoPE
         * @param v (B, T, KVH*D)
         */
        public Entry append(Tensor k, Tensor v) {
            int t = length - offset;
            if (k.rank() != 3 || k.dim(0) != batch || k.dim(1) != t || k.dim(2) != width || !v.shape().equals(k.shape())) {
                throw new IllegalArgumentException("KvCache layer " + index + ": expected keys and values of shape (" + batch + ", "
                        + t + ", " + width + "), got " + k.shape() + " and " + v.shape());
            }
            copyIn(keys[index], k.data(), t);
            copyIn(values[index], v.data(), t);
            return new Entry(Tensor.of(keys[index], batch, capacity, width), Tensor.of(values[index], batch, capacity, width),
                    padding, offset);
        }

        private void copyIn(float[] dst, float[] src /* (B, T, W) */, int t) {
            for (int b = 0; b < batch; b++) {
                System.arraycopy(src, b * t * width, dst, (b * capacity + offset) * width, t * width);
            }
        }
    }
}
