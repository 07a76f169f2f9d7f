package dev.tailor.quant;

/**
 * The 16 levels of 4-bit NormalFloat (QLoRA, Dettmers et al. 2023): quantiles of N(0, 1) scaled
 * to [-1, 1], with 8 levels above zero, 7 below and an exact zero. The values are bitsandbytes'
 * table ({@code get_4bit_type("nf4")}), so a weight quantised here decodes to the same floats as
 * one quantised by bitsandbytes from the same block absmax.
 */
public final class Nf4Code {

    /** Level of each 4-bit index, ascending. Index 7 is 0. */
    static final float[] LEVEL = {
            -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
            -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
            0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
            0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f};

    /** Index of the zero level: what an all-zero block and padding nibbles hold. */
    public static final int ZERO = 7;

    /** MID[i] lies halfway between LEVEL[i] and LEVEL[i + 1]: the decision thresholds of bitsandbytes' dQuantizeNF4. */
    static final float[] MID = new float[15];

    static {
        for (int i = 0; i < 15; i++) MID[i] = (float) (((double) LEVEL[i] + LEVEL[i + 1]) / 2);
    }

    private Nf4Code() {}

    /** The level of a 4-bit index. */
    public static float level(int index) { return LEVEL[index]; }

    /** A copy of the 16 levels, ascending. */
    public static float[] levels() { return LEVEL.clone(); }

    /**
     * The index of the level nearest to {@code x} (x normalised to [-1, 1]); a value exactly
     * halfway goes to the lower level, as bitsandbytes' {@code x > threshold} tests do. A binary
     * search over the 15 midpoints: four comparisons.
     */
    public static int index(float x) {
        int q = x > MID[7] ? 8 : 0;
        q += x > MID[q + 3] ? 4 : 0;
        q += x > MID[q + 1] ? 2 : 0;
        q += x > MID[q] ? 1 : 0;
        return q;
    }

    /** The plain linear scan that {@link #index} must agree with: the number of midpoints below x. */
    public static int indexScalar(float x) {
        int q = 0;
        for (float m : MID) if (x > m) q++;
        return q;
    }
}
