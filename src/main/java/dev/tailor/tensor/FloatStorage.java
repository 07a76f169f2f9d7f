package dev.tailor.tensor;

/** Float32 elements in a Java array: activations, gradients, trainable parameters. */
public record FloatStorage(float[] data) implements Storage {

    @Override public DType dtype() { return DType.F32; }

    @Override public long length() { return data.length; }

    @Override public float get(long i) { return data[Math.toIntExact(i)]; }

    @Override public void widen(long from, float[] dst, int dstOff, int n) {
        System.arraycopy(data, Math.toIntExact(from), dst, dstOff, n);
    }

    @Override public long byteSize() { return 4L * data.length; }
}
