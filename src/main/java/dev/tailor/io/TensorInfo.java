package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.Shape;

/**
 * One entry of a safetensors header.
 *
 * @param name  the tensor's key in the header
 * @param dtype its element type
 * @param shape its dims (rank 0 for a scalar)
 * @param begin first byte, relative to the start of the data section (as {@code data_offsets[0]})
 * @param end   one past the last byte, relative to the data section (as {@code data_offsets[1]})
 */
public record TensorInfo(String name, DType dtype, Shape shape, long begin, long end) {

    public long byteSize() { return end - begin; }

    public long numel() { return shape.numel(); }
}
