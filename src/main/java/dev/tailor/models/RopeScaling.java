package dev.tailor.models;

/**
 * The {@code rope_scaling} / {@code rope_parameters} block of a config.json, flattened. Fields a
 * type does not use keep their defaults. {@code NaN} means "not given" where transformers derives a
 * default (yarn's attention factor, mscale and mscale_all_dim).
 *
 * @param type                          default, linear, dynamic, llama3 or yarn
 * @param factor                        scaling factor (1 for default)
 * @param lowFreqFactor                 llama3
 * @param highFreqFactor                llama3
 * @param originalMaxPositionEmbeddings llama3, yarn, dynamic; 0 means use max_position_embeddings
 * @param betaFast                      yarn (default 32)
 * @param betaSlow                      yarn (default 1)
 * @param attentionFactor               yarn: multiplies cos and sin; NaN derives it from factor/mscale
 * @param mscale                        yarn (NaN if absent)
 * @param mscaleAllDim                  yarn (NaN if absent)
 * @param truncate                      yarn: round the correction range to integers (default true)
 */
public record RopeScaling(String type, double factor, double lowFreqFactor, double highFreqFactor,
                          int originalMaxPositionEmbeddings, double betaFast, double betaSlow,
                          double attentionFactor, double mscale, double mscaleAllDim, boolean truncate) {

    public static final RopeScaling DEFAULT =
            new RopeScaling("default", 1, 1, 4, 0, 32, 1, Double.NaN, Double.NaN, Double.NaN, true);

    /** The RoPE types Tailor implements; any other is refused by name. */
    public static final java.util.List<String> SUPPORTED = java.util.List.of("default", "linear", "dynamic", "llama3", "yarn");
}
