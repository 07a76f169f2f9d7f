package dev.tailor.peft;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Float32 results stored back in a checkpoint dtype (merged weights keep the base's dtype). */
public final class Narrow {

    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Narrow() {}

    /** The dtype a merged weight is stored in: the base's F32/BF16/F16; quantised bases become BF16. */
    public static DType mergedDtype(DType base) {
        return base == DType.F32 || base == DType.BF16 || base == DType.F16 ? base : DType.BF16;
    }

    /** {@code values} as a tensor of {@code dtype} (F32 wraps the array; BF16/F16 round to nearest even). */
    public static Tensor to(float[] values, DType dtype, int... dims) {
        if (dtype == DType.F32) return Tensor.of(values, dims);
        MemorySegment seg = Arena.ofAuto().allocate(2L * values.length, 2);
        for (int i = 0; i < values.length; i++) {
            short bits = dtype == DType.BF16 ? SegmentStorage.floatToBf16(values[i]) : Float.floatToFloat16(values[i]);
            seg.setAtIndex(I16_LE, i, bits);
        }
        return new Tensor(Shape.of(dims), new SegmentStorage(seg, dtype));
    }
}
