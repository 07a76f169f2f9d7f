package dev.tailor.models;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * RoPE base and scaling as a config.json states them, in either layout: the older top-level
 * {@code rope_theta} with a {@code rope_scaling} block (type under {@code type} or
 * {@code rope_type}), or the newer {@code rope_parameters} block holding {@code rope_theta} and
 * {@code rope_type} together. Required fields per type follow transformers' rope validation.
 *
 * @param theta   the RoPE base
 * @param scaling the scaling block; {@link RopeScaling#DEFAULT} when the config has none
 */
record RopeSettings(double theta, RopeScaling scaling) {

    static final double DEFAULT_THETA = 10000.0;

    static RopeSettings parse(ConfigFields root) {
        ConfigFields params = root.child("rope_parameters");
        ConfigFields block = params != null ? params : root.child("rope_scaling");
        double theta = root.doubleOr("rope_theta", DEFAULT_THETA);
        if (block == null) return new RopeSettings(theta, RopeScaling.DEFAULT);
        if (params != null) {
            if (params.node("rope_type") == null && params.node("rope_theta") == null && params.object().size() > 0) {
                throw root.error("rope_parameters", "has no rope_type or rope_theta (per-layer-type RoPE parameters are not supported)");
            }
            theta = params.doubleOr("rope_theta", theta);
        }
        String typeKey = block.node("rope_type") != null ? "rope_type" : "type";
        String type = block.stringOr(typeKey, "default");
        if (!RopeScaling.SUPPORTED.contains(type)) {
            throw block.error(typeKey, "is '" + type + "', an unsupported RoPE type (supported: " + RopeScaling.SUPPORTED + ")");
        }
        if (!(theta > 0)) throw (params != null ? params : root).error("rope_theta", "is " + theta + ", expected a positive number");
        return new RopeSettings(theta, scaling(block, type));
    }

    private static RopeScaling scaling(ConfigFields b, String type) {
        if (type.equals("default")) return RopeScaling.DEFAULT;
        RopeScaling d = RopeScaling.DEFAULT;
        double factor = b.requireDouble("factor");
        if (!(factor > 0)) throw b.error("factor", "is " + factor + ", expected a positive number");
        boolean llama3 = type.equals("llama3");
        double low = llama3 ? b.requireDouble("low_freq_factor") : d.lowFreqFactor();
        double high = llama3 ? b.requireDouble("high_freq_factor") : d.highFreqFactor();
        int originalMax = llama3 ? b.requireInt("original_max_position_embeddings") : b.intOr("original_max_position_embeddings", 0);
        if (originalMax < 0 || (llama3 && originalMax == 0)) {
            throw b.error("original_max_position_embeddings", "is " + originalMax + ", expected a positive integer");
        }
        if (llama3 && !(high > low)) throw b.error("high_freq_factor", "is " + high + ", expected more than low_freq_factor " + low);
        boolean yarn = type.equals("yarn");
        return new RopeScaling(type, factor, low, high, originalMax,
                yarn ? b.doubleOr("beta_fast", d.betaFast()) : d.betaFast(),
                yarn ? b.doubleOr("beta_slow", d.betaSlow()) : d.betaSlow(),
                yarn ? b.doubleOr("attention_factor", Double.NaN) : Double.NaN,
                yarn ? b.doubleOr("mscale", Double.NaN) : Double.NaN,
                yarn ? b.doubleOr("mscale_all_dim", Double.NaN) : Double.NaN,
                yarn ? b.boolOr("truncate", true) : d.truncate());
    }

    /** Writes {@code rope_theta} and {@code rope_scaling} (null when there is no scaling), the layout every transformers version reads. */
    void write(ObjectNode out) {
        out.put("rope_theta", theta);
        if (scaling.type().equals("default")) {
            out.putNull("rope_scaling");
            return;
        }
        ObjectNode s = out.putObject("rope_scaling");
        s.put("rope_type", scaling.type());
        s.put("factor", scaling.factor());
        if (scaling.type().equals("llama3")) {
            s.put("low_freq_factor", scaling.lowFreqFactor());
            s.put("high_freq_factor", scaling.highFreqFactor());
        }
        if (scaling.originalMaxPositionEmbeddings() > 0) s.put("original_max_position_embeddings", scaling.originalMaxPositionEmbeddings());
        if (scaling.type().equals("yarn")) {
            s.put("beta_fast", scaling.betaFast());
            s.put("beta_slow", scaling.betaSlow());
            putUnlessNaN(s, "attention_factor", scaling.attentionFactor());
            putUnlessNaN(s, "mscale", scaling.mscale());
            putUnlessNaN(s, "mscale_all_dim", scaling.mscaleAllDim());
            if (!scaling.truncate()) s.put("truncate", false); // newer key; older transformers warn about it, so only when it matters
        }
    }

    private static void putUnlessNaN(ObjectNode s, String key, double v) {
        if (!Double.isNaN(v)) s.put(key, v);
    }
}
