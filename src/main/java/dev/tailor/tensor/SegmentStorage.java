package dev.tailor.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Elements read in place from a (usually memory-mapped) segment in little-endian F32, BF16 or F16,
 * as safetensors stores them. Nothing is copied until a kernel widens a run of elements.
 */
public record SegmentStorage(MemorySegment segment, DType dtype) implements Storage {

    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public SegmentStorage {
        if (dtype != DType.F32 && dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("SegmentStorage holds F32, BF16 or F16 weights, got " + dtype);
        }
        if (segment.byteSize() % dtype.bytes != 0) {
            throw new IllegalArgumentException("segment of " + segment.byteSize() + " bytes is not a whole number of " + dtype + " elements");
        }
    }

    @Override public long length() { return segment.byteSize() / dtype.bytes; }

    @Override public long byteSize() { return segment.byteSize(); }

    @Override public float get(long i) {
        return switch (dtype) {
            case F32 -> segment.getAtIndex(F32_LE, i);
            case BF16 -> bf16ToFloat(segment.getAtIndex(I16_LE, i));
            case F16 -> Float.float16ToFloat(segment.getAtIndex(I16_LE, i));
            default -> throw new IllegalStateException(dtype.name());
        };
    }

    @Override public void widen(long from, float[] dst, int dstOff, int n) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(segment, F32_LE, from * 4, dst, dstOff, n);
            case BF16 -> {
                for (int j = 0; j < n; j++) dst[dstOff + j] = bf16ToFloat(segment.getAtIndex(I16_LE, from + j));
            }
            case F16 -> {
                for (int j = 0; j < n; j++) dst[dstOff + j] = Float.float16ToFloat(segment.getAtIndex(I16_LE, from + j));
            }
            default -> throw new IllegalStateException(dtype.name());
        }
    }

    /** bfloat16 is the top half of a float32. */
    public static float bf16ToFloat(short bits) { return Float.intBitsToFloat((bits & 0xffff) << 16); }

    /** Round-to-nearest-even float32 to bfloat16, as PyTorch does (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
