package dev.tailor.autograd;

import dev.tailor.kernels.RopeKernels;
import dev.tailor.models.RopeScaling;
import dev.tailor.tensor.Tensor;
import dev.tailor.tensor.Workspace;

/**
 * Rotary position embedding as an autograd op, and the cos/sin tables it reads.
 *
 * <p>The tables reproduce Hugging Face transformers' {@code ROPE_INIT_FUNCTIONS}
 * (modeling_rope_utils.py) in the same float32 arithmetic: inv_freq is built in float32, the angle
 * is float32(position) * inv_freq rounded to float32, and cos/sin of that angle are rounded to
 * float32 (then multiplied by the attention factor in float32), so tables agree with transformers
 * to about 1e-6.
 */
public final class RopeOps {

    private RopeOps() {}

    /**
     * Rotates every head of {@code x} by the angles of its row's position (rotate-half layout).
     *
     * @param x         (B, T, H*D) or any (..., H*D) whose rows are the tokens
     * @param positions (B*T) position of each token, in [0, table.maxPositions)
     * @return (same shape as x)
     */
    public static Tensor rope(Tensor x, RopeTable table, int[] positions, int heads, int headDim) {
        check(x, table, positions, heads, headDim);
        int rows = positions.length;
        int[] pos = positions.clone(); // the backward must see the positions of the forward
        float[] out = Workspace.floats(x.size()); // (B, T, H*D)
        RopeKernels.rope(out, x.data(), table.cos, table.sin, pos, rows, heads, headDim, false);
        Tensor y = Tensor.of(out, x.shape().dims());
        if (Tape.needsGrad(x)) {
            Tape.record("rope", y, () ->
                    // forward: y = a·R(p) x, so dx += (a·R(p))ᵀ dy
                    RopeKernels.rope(x.gradBuffer(), y.grad(), table.cos, table.sin, pos, rows, heads, headDim, true));
        }
        return y;
    }

    private static void check(Tensor x, RopeTable table, int[] positions, int heads, int headDim) {
        if (heads <= 0 || headDim != table.headDim) {
            throw new IllegalArgumentException("rope: expected heads > 0 and headDim equal to the table's " + table.headDim
                    + ", got heads=" + heads + " headDim=" + headDim);
        }
        if (x.rank() < 1 || x.shape().cols() != heads * headDim) {
            throw new IllegalArgumentException("rope: expected x of shape (B, T, " + heads + "*" + headDim + "), got " + x.shape());
        }
        int rows = x.shape().rows();
        if (positions.length != rows) {
            throw new IllegalArgumentException("rope: expected " + rows + " positions (one per row of x " + x.shape()
                    + "), got " + positions.length);
        }
        int t = x.rank() >= 2 ? x.dim(-2) : 1;
        for (int r = 0; r < rows; r++) {
            int p = positions[r];
            if (p < 0 || p >= table.maxPositions) {
                throw new IllegalArgumentException("rope: position " + p + " of row " + r + " (batch " + r / t + ", token " + r % t
                        + ") is outside the table of " + table.maxPositions + " positions; build the table longer");
            }
        }
    }

    /**
     * cos and sin of every (position, frequency) pair, with the attention factor (yarn) folded in.
     * Immutable by convention: the arrays are shared by every layer of a model.
     */
    public static final class RopeTable {
        /** (maxPositions, headDim / 2) */
        public final float[] cos;
        /** (maxPositions, headDim / 2) */
        public final float[] sin;
        /** (headDim / 2) the inverse frequencies the table was built from */
        public final float[] invFreq;
        public final int headDim;
        public final int maxPositions;
        /** multiplies cos and sin: 1 except for yarn */
        public final float attentionFactor;

        private RopeTable(float[] invFreq, float attentionFactor, int headDim, int maxPositions) {
            int half = headDim / 2;
            this.invFreq = invFreq;
            this.attentionFactor = attentionFactor;
            this.headDim = headDim;
            this.maxPositions = maxPositions;
            this.cos = new float[maxPositions * half];
            this.sin = new float[maxPositions * half];
            for (int p = 0; p < maxPositions; p++) {
                for (int i = 0; i < half; i++) {
                    float angle = (float) p * invFreq[i]; // float32 product, as torch's freqs = inv_freq @ positions
                    cos[p * half + i] = (float) Math.cos(angle) * attentionFactor;
                    sin[p * half + i] = (float) Math.sin(angle) * attentionFactor;
                }
            }
        }

        /**
         * Builds the table for positions [0, maxPositions).
         *
         * <p>For {@code dynamic}, transformers rescales the base only once a sequence grows past the
         * original maximum length; below it the frequencies are exactly the default ones. Tailor builds
         * that regime and refuses a table longer than the original maximum, since positions past it
         * would need frequencies that depend on the whole sequence's length.
         *
         * @param s                     the config's rope_scaling (null means default)
         * @param theta                 rope_theta
         * @param headDim               rotary width of one head (even)
         * @param maxPositions          table length: every position used must be below it
         * @param maxPositionEmbeddings the config's max_position_embeddings
         */
        public static RopeTable build(RopeScaling s, double theta, int headDim, int maxPositions, int maxPositionEmbeddings) {
            RopeScaling sc = s == null ? RopeScaling.DEFAULT : s;
            if (headDim <= 0 || headDim % 2 != 0) throw new IllegalArgumentException("rope: head dim must be even and positive, got " + headDim);
            if (maxPositions <= 0) throw new IllegalArgumentException("rope: table length must be positive, got " + maxPositions);
            if (!(theta > 0)) throw new IllegalArgumentException("rope: rope_theta must be positive, got " + theta);
            String type = sc.type() == null ? "default" : sc.type();
            int original = sc.originalMaxPositionEmbeddings() > 0 ? sc.originalMaxPositionEmbeddings() : maxPositionEmbeddings;
            if (!type.equals("default") && !(sc.factor() > 0)) {
                throw new IllegalArgumentException("rope_scaling type '" + type + "': factor must be positive, got " + sc.factor());
            }
            return switch (type) {
                case "default" -> new RopeTable(defaultInvFreq(theta, headDim), 1f, headDim, maxPositions);
                case "linear" -> new RopeTable(linearInvFreq(theta, headDim, sc.factor()), 1f, headDim, maxPositions);
                case "dynamic" -> {
                    if (maxPositions > original) {
                        throw new IllegalArgumentException("rope_scaling type 'dynamic': a table of " + maxPositions
                                + " positions exceeds the original maximum of " + original + " positions; beyond it the"
                                + " frequencies depend on the sequence length, which Tailor does not model");
                    }
                    yield new RopeTable(defaultInvFreq(theta, headDim), 1f, headDim, maxPositions);
                }
                case "llama3" -> new RopeTable(llama3InvFreq(theta, headDim, sc, original), 1f, headDim, maxPositions);
                case "yarn" -> new RopeTable(yarnInvFreq(theta, headDim, sc, original), yarnAttentionFactor(sc), headDim, maxPositions);
                default -> throw new IllegalArgumentException("rope_scaling type '" + type + "' is not supported; supported types: "
                        + RopeScaling.SUPPORTED);
            };
        }

        /** inv_freq[i] = 1 / theta^(2i/d), every step in float32 as torch does. */
        static float[] defaultInvFreq(double theta, int dim) {
            float[] inv = new float[dim / 2];
            for (int i = 0; i < inv.length; i++) inv[i] = 1f / posFreq(theta, dim, i);
            return inv;
        }

        /** theta^(2i/d) in float32: torch evaluates base ** (arange(0, d, 2).float() / d) as powf. */
        private static float posFreq(double theta, int dim, int i) {
            float exponent = (float) (2 * i) / (float) dim;
            return (float) Math.pow((float) theta, exponent);
        }

        /** Linear (position interpolation): dividing inv_freq by the factor equals dividing positions. */
        static float[] linearInvFreq(double theta, int dim, double factor) {
            float[] inv = defaultInvFreq(theta, dim);
            for (int i = 0; i < inv.length; i++) inv[i] /= (float) factor;
            return inv;
        }

        /**
         * Llama 3.1: wavelengths shorter than original/high_freq_factor keep their frequency, longer
         * than original/low_freq_factor are divided by the factor, and the band between blends the two.
         */
        static float[] llama3InvFreq(double theta, int dim, RopeScaling sc, int original) {
            float[] inv = defaultInvFreq(theta, dim);
            float factor = (float) sc.factor();
            float low = (float) sc.lowFreqFactor(), high = (float) sc.highFreqFactor();
            if (!(sc.highFreqFactor() > sc.lowFreqFactor())) {
                throw new IllegalArgumentException("rope_scaling type 'llama3': high_freq_factor (" + sc.highFreqFactor()
                        + ") must exceed low_freq_factor (" + sc.lowFreqFactor() + ")");
            }
            float lowFreqWavelen = (float) (original / sc.lowFreqFactor());
            float highFreqWavelen = (float) (original / sc.highFreqFactor());
            float[] out = new float[inv.length];
            for (int i = 0; i < inv.length; i++) {
                float wavelen = (1f / inv[i]) * (float) (2 * Math.PI); // torch: 2*pi / t == t.reciprocal() * (2*pi)
                float f = wavelen > lowFreqWavelen ? inv[i] / factor : inv[i];
                boolean medium = !(wavelen < highFreqWavelen) && !(wavelen > lowFreqWavelen);
                if (medium) {
                    float smooth = ((1f / wavelen) * (float) original - low) / (high - low);
                    f = (1f - smooth) * f / factor + smooth * f;
                }
                out[i] = f;
            }
            return out;
        }

        /**
         * YaRN ("NTK-by-parts"): dimensions that rotate more than beta_fast times over the original
         * context keep their frequency (extrapolation), those rotating fewer than beta_slow times are
         * divided by the factor (interpolation), with a linear ramp between.
         */
        static float[] yarnInvFreq(double theta, int dim, RopeScaling sc, int original) {
            double betaFast = sc.betaFast() != 0 && !Double.isNaN(sc.betaFast()) ? sc.betaFast() : 32;
            double betaSlow = sc.betaSlow() != 0 && !Double.isNaN(sc.betaSlow()) ? sc.betaSlow() : 1;
            double low = correctionDim(betaFast, dim, theta, original);
            double high = correctionDim(betaSlow, dim, theta, original);
            if (sc.truncate()) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, dim - 1);
            if (low == high) high += 0.001; // transformers' guard against a zero-width ramp
            float factor = (float) sc.factor();
            float[] inv = new float[dim / 2];
            for (int i = 0; i < inv.length; i++) {
                float pos = posFreq(theta, dim, i);
                float extrapolation = 1f / pos;
                float interpolation = 1f / (factor * pos);
                float ramp = ((float) i - (float) low) / (float) (high - low);
                ramp = Math.min(1f, Math.max(0f, ramp));
                float keep = 1f - ramp; // inv_freq_extrapolation_factor
                inv[i] = interpolation * (1f - keep) + extrapolation * keep;
            }
            return inv;
        }

        /** The (fractional) dimension whose frequency completes {@code rotations} turns over {@code original} positions. */
        private static double correctionDim(double rotations, int dim, double theta, int original) {
            return dim * Math.log(original / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
        }

        /**
         * attention_factor if given; else get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
         * when both are given and non-zero (DeepSeek); else 0.1 ln(factor) + 1 (1 for factor <= 1).
         */
        static float yarnAttentionFactor(RopeScaling sc) {
            if (!Double.isNaN(sc.attentionFactor())) return (float) sc.attentionFactor();
            double m = sc.mscale(), mAll = sc.mscaleAllDim();
            boolean both = !Double.isNaN(m) && m != 0 && !Double.isNaN(mAll) && mAll != 0;
            double f = both ? mscale(sc.factor(), m) / mscale(sc.factor(), mAll) : mscale(sc.factor(), 1);
            return (float) f;
        }

        private static double mscale(double scale, double m) {
            return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
        }
    }
}
