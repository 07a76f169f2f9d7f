package dev.tailor.tensor;

import java.util.Arrays;

/** A row-major shape. Immutable; dims are non-negative. */
public record Shape(int... dims) {

    public Shape {
        dims = dims.clone();
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) throw new IllegalArgumentException("negative dimension " + dims[i] + " at axis " + i + " in " + Arrays.toString(dims));
        }
    }

    public static Shape of(int... dims) { return new Shape(dims); }

    public int rank() { return dims.length; }

    public int dim(int axis) { return dims[axis < 0 ? dims.length + axis : axis]; }

    @Override public int[] dims() { return dims.clone(); }

    /** Number of elements; throws if it does not fit in a long. */
    public long numel() {
        long n = 1;
        for (int d : dims) n = Math.multiplyExact(n, d);
        return n;
    }

    /** Number of elements as an int, for tensors held in a Java array. */
    public int size() { return Math.toIntExact(numel()); }

    /** The product of all dims but the last: the number of rows of the tensor seen as a matrix. */
    public int rows() {
        int n = 1;
        for (int i = 0; i < dims.length - 1; i++) n = Math.multiplyExact(n, dims[i]);
        return n;
    }

    /** The last dim, or 1 for a scalar. */
    public int cols() { return dims.length == 0 ? 1 : dims[dims.length - 1]; }

    /** The same shape with the last two dims swapped. */
    public Shape transposeLast2() {
        if (dims.length < 2) throw new IllegalArgumentException("transpose needs rank >= 2, got " + this);
        int[] d = dims.clone();
        int r = d.length;
        int t = d[r - 1]; d[r - 1] = d[r - 2]; d[r - 2] = t;
        return new Shape(d);
    }

    /** The same shape with axis {@code axis} replaced by {@code size}. */
    public Shape with(int axis, int size) {
        int[] d = dims.clone();
        d[axis < 0 ? d.length + axis : axis] = size;
        return new Shape(d);
    }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }

    @Override public int hashCode() { return Arrays.hashCode(dims); }

    @Override public String toString() { return Arrays.toString(dims); }
}
