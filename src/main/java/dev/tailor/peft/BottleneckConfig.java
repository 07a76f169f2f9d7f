package dev.tailor.peft;

import dev.tailor.autograd.ActOps;
import dev.tailor.tensor.Tensor;

import java.util.Locale;

/**
 * Bottleneck adapters (Houlsby et al. 2019; Pfeiffer et al. 2021): after a sublayer's output
 * projection, inside the residual branch, {@code h + up(f(down(h)))} with down (m, C) and up (C, m),
 * both with biases. Houlsby places one after the attention output and one after the MLP output;
 * Pfeiffer only after the MLP output. PEFT has no such method: the saved config uses
 * {@code peft_type "BOTTLENECK"} and AdapterHub's names ({@code mh_adapter}, {@code output_adapter},
 * {@code non_linearity}); the saved tensors use AdapterHub's keys.
 *
 * @param type         where adapters go (houlsby: attention and MLP outputs; pfeiffer: MLP output)
 * @param size         the bottleneck width m; 0 = hidden size / 16 (AdapterHub's reduction_factor 16), at least 1
 * @param nonlinearity f between the projections
 */
public record BottleneckConfig(Type type, int size, Nonlinearity nonlinearity) implements PeftConfig {

    /** Adapter placements, as AdapterHub's HoulsbyConfig and PfeifferConfig set mh_adapter and output_adapter. */
    public enum Type {
        HOULSBY(true, true), PFEIFFER(false, true);

        /** After the attention output projection (AdapterHub mh_adapter). */
        public final boolean afterAttention;
        /** After the MLP output projection (AdapterHub output_adapter). */
        public final boolean afterMlp;

        Type(boolean afterAttention, boolean afterMlp) { this.afterAttention = afterAttention; this.afterMlp = afterMlp; }

        public String json() { return name().toLowerCase(Locale.ROOT); }

        public static Type parse(String s) {
            for (Type t : values()) if (t.json().equals(s)) return t;
            throw new IllegalArgumentException("adapter type must be houlsby or pfeiffer, got '" + s + "'");
        }

        /** AdapterHub's default nonlinearity for the type: swish (SiLU) for Houlsby, relu for Pfeiffer. */
        public Nonlinearity defaultNonlinearity() { return this == HOULSBY ? Nonlinearity.SILU : Nonlinearity.RELU; }
    }

    /** f of the bottleneck; {@code json} is the name transformers' get_activation knows it by. */
    public enum Nonlinearity {
        RELU("relu"), GELU("gelu_new"), SILU("swish");

        public final String json;

        Nonlinearity(String json) { this.json = json; }

        public Tensor apply(Tensor x) {
            return switch (this) {
                case RELU -> ActOps.relu(x);
                case GELU -> ActOps.gelu(x);
                case SILU -> ActOps.silu(x);
            };
        }

        /** relu, gelu, silu (the flag names) or the saved names; the exact erf GELU is refused, not approximated. */
        public static Nonlinearity parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "relu" -> RELU;
                case "gelu", "gelu_new", "gelu_pytorch_tanh" -> GELU;
                case "silu", "swish" -> SILU;
                default -> throw new IllegalArgumentException("adapter nonlinearity must be relu, gelu (tanh approximation) or silu, got '" + s + "'");
            };
        }
    }

    public BottleneckConfig {
        if (type == null || nonlinearity == null) throw new IllegalArgumentException("adapter type and nonlinearity must be set");
        if (size < 0) throw new IllegalArgumentException("adapter size must be positive (or 0 for hidden/16), got " + size);
    }

    /** The type with AdapterHub's default nonlinearity and a hidden/16 bottleneck. */
    public static BottleneckConfig of(Type type) { return new BottleneckConfig(type, 0, type.defaultNonlinearity()); }

    /** This config with the bottleneck width resolved for a model of hidden size {@code hidden}. */
    public BottleneckConfig forHidden(int hidden) {
        return size > 0 ? this : new BottleneckConfig(type, Math.max(1, hidden / 16), nonlinearity);
    }

    @Override public String peftType() { return "BOTTLENECK"; }
}
