package dev.tailor.tensor;

/**
 * Storage of a block-quantised weight (NF4, int8). Implemented in {@code dev.tailor.quant};
 * a non-sealed extension point so quantisation formats live with their kernels.
 */
public non-sealed interface QuantizedStorage extends Storage {
}
