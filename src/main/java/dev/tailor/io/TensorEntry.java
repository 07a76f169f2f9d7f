package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * One tensor to write: its name, the dtype to store it as, its shape and where its elements come
 * from. Float sources are converted to the stored dtype with round-to-nearest-even; a mapped
 * tensor written in its own dtype is copied byte for byte.
 */
public record TensorEntry(String name, DType dtype, Shape shape, Source source) {

    /** Where the elements come from. */
    public sealed interface Source {
        /** Any float tensor (F32 array, mapped F32/BF16/F16, quantised), widened then narrowed to the dtype. */
        record FromTensor(Tensor tensor) implements Source {}
        record Floats(float[] values) implements Source {}
        record Longs(long[] values) implements Source {}
        record Ints(int[] values) implements Source {}
        /** Little-endian bytes already in the stored dtype. */
        record Raw(byte[] bytes) implements Source {}
    }

    public TensorEntry {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("a tensor name must not be empty");
        if (name.equals(SafetensorsHeader.METADATA_KEY)) throw new IllegalArgumentException("'" + name + "' is reserved for the metadata");
        long n = shape.numel();
        String where = "tensor '" + name + "' " + dtype + " " + shape;
        switch (source) {
            case Source.FromTensor(Tensor t) -> {
                requireFloat(where, dtype);
                if (!t.shape().equals(shape)) throw new IllegalArgumentException(where + ": source tensor has shape " + t.shape());
            }
            case Source.Floats(float[] v) -> { requireFloat(where, dtype); requireCount(where, n, v.length); }
            case Source.Longs(long[] v) -> { requireDtype(where, dtype, DType.I64); requireCount(where, n, v.length); }
            case Source.Ints(int[] v) -> { requireDtype(where, dtype, DType.I32); requireCount(where, n, v.length); }
            case Source.Raw(byte[] b) -> {
                if (dtype.bytes == 0) throw new IllegalArgumentException(where + ": " + dtype + " has no safetensors encoding");
                requireCount(where, n * dtype.bytes, b.length);
            }
        }
    }

    /** The tensor in its own dtype (float32 arrays as F32; quantised weights widened to F32). */
    public static TensorEntry of(String name, Tensor t) {
        DType d = t.dtype() == DType.BF16 || t.dtype() == DType.F16 ? t.dtype() : DType.F32;
        return new TensorEntry(name, d, t.shape(), new Source.FromTensor(t));
    }

    /** The tensor converted to {@code dtype} (F32, BF16, F16 or F64). */
    public static TensorEntry of(String name, Tensor t, DType dtype) { return new TensorEntry(name, dtype, t.shape(), new Source.FromTensor(t)); }

    public static TensorEntry floats(String name, DType dtype, float[] values, int... dims) {
        return new TensorEntry(name, dtype, Shape.of(dims), new Source.Floats(values));
    }

    public static TensorEntry longs(String name, long[] values, int... dims) {
        return new TensorEntry(name, DType.I64, Shape.of(dims), new Source.Longs(values));
    }

    public static TensorEntry ints(String name, int[] values, int... dims) {
        return new TensorEntry(name, DType.I32, Shape.of(dims), new Source.Ints(values));
    }

    public static TensorEntry raw(String name, DType dtype, byte[] bytes, int... dims) {
        return new TensorEntry(name, dtype, Shape.of(dims), new Source.Raw(bytes));
    }

    /** Bytes this tensor occupies in the data section. */
    public long byteSize() { return shape.numel() * dtype.bytes; }

    /** Streams the encoded elements through {@code out} (little-endian, flushed when full). */
    void encode(Chunks out) throws IOException {
        switch (source) {
            case Source.Raw(byte[] b) -> out.put(b, 0, b.length);
            case Source.Longs(long[] v) -> { for (long x : v) out.room(8).putLong(x); }
            case Source.Ints(int[] v) -> { for (int x : v) out.room(4).putInt(x); }
            case Source.Floats(float[] v) -> encodeFloats(out, v, 0, v.length);
            case Source.FromTensor(Tensor t) -> encodeTensor(out, t);
        }
    }

    private void encodeTensor(Chunks out, Tensor t) throws IOException {
        if (t.storage() instanceof SegmentStorage(var seg, var stored) && stored == dtype) {
            out.put(seg); // same dtype: the exact bits, NaN payloads included
            return;
        }
        float[] run = new float[Math.min(4096, Math.max(1, t.size()))];
        long total = shape.numel();
        for (long from = 0; from < total; from += run.length) {
            int n = (int) Math.min(run.length, total - from);
            t.storage().widen(from, run, 0, n);
            encodeFloats(out, run, 0, n);
        }
    }

    private void encodeFloats(Chunks out, float[] v, int from, int n) throws IOException {
        for (int i = from; i < from + n; i++) {
            float f = v[i];
            switch (dtype) {
                case F32 -> out.room(4).putFloat(f);
                case BF16 -> out.room(2).putShort(SegmentStorage.floatToBf16(f));
                case F16 -> out.room(2).putShort(Float.floatToFloat16(f)); // round to nearest even
                case F64 -> out.room(8).putDouble(f);
                default -> throw new IllegalStateException(dtype.name());
            }
        }
    }

    private static void requireFloat(String where, DType d) {
        if (d != DType.F32 && d != DType.BF16 && d != DType.F16 && d != DType.F64) {
            throw new IllegalArgumentException(where + ": float elements can be stored as F32, BF16, F16 or F64");
        }
    }

    private static void requireDtype(String where, DType d, DType expected) {
        if (d != expected) throw new IllegalArgumentException(where + ": these elements are stored as " + expected);
    }

    private static void requireCount(String where, long expected, long found) {
        if (expected != found) throw new IllegalArgumentException(where + ": expected " + expected + " values, got " + found);
    }

    /** A write buffer over a channel. */
    static final class Chunks {
        private final FileChannel channel;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

        Chunks(FileChannel channel) { this.channel = channel; }

        /** The buffer, flushed first if fewer than {@code bytes} remain. */
        ByteBuffer room(int bytes) throws IOException {
            if (buf.remaining() < bytes) flush();
            return buf;
        }

        void put(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                int k = Math.min(len, room(1).remaining());
                buf.put(b, off, k);
                off += k;
                len -= k;
            }
        }

        void put(MemorySegment seg) throws IOException {
            long size = seg.byteSize();
            for (long off = 0; off < size; ) {
                int k = (int) Math.min(size - off, room(1).remaining());
                MemorySegment.copy(seg, off, MemorySegment.ofBuffer(buf), 0, k); // ofBuffer starts at the position
                buf.position(buf.position() + k);
                off += k;
            }
        }

        void flush() throws IOException {
            buf.flip();
            AtomicFile.writeFully(channel, buf);
            buf.clear();
        }
    }
}
