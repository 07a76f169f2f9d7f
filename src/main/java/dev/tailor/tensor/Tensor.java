package dev.tailor.tensor;

import java.util.Arrays;

/**
 * A row-major tensor: a {@link Shape} over a {@link Storage}, and, when it takes part in training,
 * a float32 gradient of the same shape.
 *
 * <p>Activations and trainable parameters have float32 storage that kernels read directly through
 * {@link #data()}. Frozen checkpoint weights may have BF16/F16/NF4 storage; kernels that accept
 * them read through {@link Storage#widen}. A tensor with {@code requiresGrad} set gets its gradient
 * accumulated by {@code autograd.Tape#backward}; a frozen weight never does.
 */
public final class Tensor {

    private final Shape shape;
    private final Storage storage;
    private boolean requiresGrad;
    private float[] grad; // same element count as shape; allocated on first accumulation

    public Tensor(Shape shape, Storage storage) {
        if (storage.length() != shape.numel()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.numel() + " elements, storage has " + storage.length());
        }
        this.shape = shape;
        this.storage = storage;
    }

    public static Tensor zeros(int... dims) { return zeros(Shape.of(dims)); }

    public static Tensor zeros(Shape shape) { return new Tensor(shape, new FloatStorage(new float[shape.size()])); }

    /** Wraps {@code data} (not copied) with the given dims. */
    public static Tensor of(float[] data, int... dims) { return new Tensor(Shape.of(dims), new FloatStorage(data)); }

    public static Tensor scalar(float v) { return new Tensor(Shape.of(), new FloatStorage(new float[] {v})); }

    public Shape shape() { return shape; }

    public int dim(int axis) { return shape.dim(axis); }

    public int rank() { return shape.rank(); }

    public int size() { return shape.size(); }

    public Storage storage() { return storage; }

    public DType dtype() { return storage.dtype(); }

    public boolean isFloat32() { return storage instanceof FloatStorage; }

    /** The float32 elements. Throws for weights stored in another dtype: use {@link #storage()}. */
    public float[] data() {
        if (storage instanceof FloatStorage(float[] d)) return d;
        throw new IllegalStateException("tensor " + shape + " is stored as " + storage.dtype() + ", not float32; read it through storage().widen()");
    }

    /** Element at a flat index, widened to float32 (slow path). */
    public float get(int i) { return storage.get(i); }

    /** The single element of a one-element tensor. */
    public float item() {
        if (shape.numel() != 1) throw new IllegalStateException("item() needs one element, tensor has shape " + shape);
        return storage.get(0);
    }

    public boolean requiresGrad() { return requiresGrad; }

    /** Marks this tensor trainable (a leaf parameter) or frozen. Only float32 tensors can train. */
    public Tensor requiresGrad(boolean on) {
        if (on && !isFloat32()) throw new IllegalStateException("a " + dtype() + " tensor cannot be trained; widen it to F32 first");
        this.requiresGrad = on;
        return this;
    }

    /** The accumulated gradient, or null if none has been accumulated. */
    public float[] grad() { return grad; }

    /**
     * The gradient buffer, allocated (zeroed) on first use. Backward rules add into it. A tensor whose
     * array a {@link Workspace} scope holds gets its gradient from that scope too.
     */
    public float[] gradBuffer() {
        if (grad == null) grad = storage instanceof FloatStorage(float[] d) ? Workspace.gradientFor(d, shape.size()) : new float[shape.size()];
        return grad;
    }

    public void zeroGrad() { if (grad != null) Arrays.fill(grad, 0f); }

    /** Drops the gradient buffer (frees memory between steps for non-leaf tensors). */
    public void dropGrad() { grad = null; }

    /** A float32 copy of this tensor (no gradient). */
    public Tensor copy() {
        float[] out = new float[size()];
        storage.widen(0, out, 0, out.length);
        return Tensor.of(out, shape.dims());
    }

    /** The same elements seen with another shape of equal element count (shares storage, no grad). */
    public Tensor viewAs(int... dims) {
        Shape s = Shape.of(dims);
        if (s.numel() != shape.numel()) throw new IllegalArgumentException("cannot view " + shape + " as " + s);
        return new Tensor(s, storage);
    }

    @Override public String toString() { return "Tensor" + shape + " " + dtype() + (requiresGrad ? " (trainable)" : ""); }
}
