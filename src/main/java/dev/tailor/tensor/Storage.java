package dev.tailor.tensor;

/**
 * Where a tensor's elements live. Activations, gradients and trainable parameters are float32 in
 * a Java array ({@link FloatStorage}); frozen checkpoint weights stay in their stored dtype inside
 * a memory-mapped file ({@link SegmentStorage}) or quantised ({@code quant.Nf4Storage}), and kernels
 * widen them to float32 a run at a time with {@link #widen}.
 */
public sealed interface Storage permits FloatStorage, SegmentStorage, QuantizedStorage {

    DType dtype();

    /** Number of elements. */
    long length();

    /** Element {@code i} widened to float32. Slow path: tests, scalar twins and odd accesses. */
    float get(long i);

    /** Widens elements {@code [from, from + n)} into {@code dst[dstOff ..]}. The kernels' path. */
    void widen(long from, float[] dst, int dstOff, int n);

    /** Bytes this storage occupies (in memory or in the mapped file). */
    long byteSize();
}
