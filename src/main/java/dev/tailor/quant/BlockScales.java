package dev.tailor.quant;

/**
 * The absmax of every NF4 block, double-quantised as QLoRA does (bitsandbytes'
 * {@code quantize_4bit(compress_statistics=True)}): subtract the mean of all absmax values, then
 * quantise the differences blockwise, {@link #GROUP} per group, each group with a float32 scale
 * (its own absmax) and 8-bit codes of {@link DynamicMap}. Costs 8 bits per block plus 32 bits per
 * group instead of 32 bits per block.
 *
 * <p>Error: absmax[b] is recovered within {@code DynamicMap.MAX_ERROR * scale(group)} (plus float
 * rounding), where scale(group) = max |absmax - mean| over the group.
 */
public final class BlockScales {

    /** Blocks per group of the second quantisation (bitsandbytes: blocksize 256). */
    public static final int GROUP = 256;

    private final byte[] codes;    // (blocks) DynamicMap codes of (absmax - offset) / scale
    private final float[] scales;  // (ceil(blocks / GROUP)) max |absmax - offset| of each group
    private final float offset;    // mean of all absmax values

    private BlockScales(byte[] codes, float[] scales, float offset) {
        this.codes = codes;
        this.scales = scales;
        this.offset = offset;
    }

    /** Double-quantises {@code absmax} (blocks). */
    public static BlockScales quantise(float[] absmax) {
        int blocks = absmax.length;
        double sum = 0;
        for (float a : absmax) sum += a;
        float offset = blocks == 0 ? 0f : (float) (sum / blocks);
        byte[] codes = new byte[blocks];
        float[] scales = new float[(blocks + GROUP - 1) / GROUP];
        for (int g = 0; g < scales.length; g++) {
            int from = g * GROUP, to = Math.min(blocks, from + GROUP);
            float scale = 0f;
            for (int b = from; b < to; b++) scale = Math.max(scale, Math.abs(absmax[b] - offset));
            float inv = scale == 0f ? 0f : 1f / scale; // all equal to the mean: every code is 0
            for (int b = from; b < to; b++) codes[b] = (byte) DynamicMap.code((absmax[b] - offset) * inv);
            scales[g] = scale;
        }
        return new BlockScales(codes, scales, offset);
    }

    /** The decoded absmax of block {@code b}. */
    public float get(int b) {
        return DynamicMap.VALUE[codes[b] & 0xff] * scales[b / GROUP] + offset;
    }

    /** Number of blocks. */
    public int blocks() { return codes.length; }

    /** The float32 scale of the group holding block {@code b}: the error bound's unit. */
    public float groupScale(int b) { return scales[b / GROUP]; }

    /** The mean that was subtracted before quantising. */
    public float offset() { return offset; }

    /** Bytes held: one code per block, one float per group, the offset. */
    public long byteSize() { return codes.length + 4L * scales.length + 4; }
}
