package dev.tailor.tensor;

/**
 * Element types Tailor stores. Compute is always float32; the others are storage formats that
 * kernels widen tile by tile. Names are the safetensors dtype strings where one exists.
 */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1),
    /** 4-bit NormalFloat (QLoRA): half a byte per element plus block constants. */
    NF4(0);

    /** Bytes per element; 0 for sub-byte formats. */
    public final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    /** The safetensors dtype string for this type, e.g. "BF16". */
    public String safetensorsName() { return name(); }

    public boolean isFloat() { return this == F64 || this == F32 || this == F16 || this == BF16; }
}
