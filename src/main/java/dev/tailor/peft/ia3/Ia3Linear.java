package dev.tailor.peft.ia3;

import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.MatOps.WeightLayout;
import dev.tailor.nn.Linear;
import dev.tailor.peft.Narrow;
import dev.tailor.peft.PeftLinear;
import dev.tailor.tensor.Tensor;

import java.util.Map;

/**
 * A linear layer with an (IA)³ vector, as PEFT's {@code ia3.Linear}: {@code y = base(x) ⊙ l} with
 * l (out, 1), the bias scaled too; or, for a feedforward module, {@code y = base(x ⊙ l)} with
 * l (1, in). Folding scales the weight's output rows (and the bias) or its input columns.
 */
public final class Ia3Linear implements PeftLinear {

    private final Linear base;
    private final Tensor l;              // ia3_l: (out, 1), or (1, in) when feedforward
    private final boolean feedforward;
    private final String key;

    Ia3Linear(Linear base, Tensor l, boolean feedforward, String key) {
        int n = feedforward ? base.inFeatures() : base.outFeatures();
        if (l.size() != n) throw new IllegalArgumentException(key + ": (IA)3 vector has shape " + l.shape() + ", the layer needs " + n + " entries");
        this.base = base; this.l = l; this.feedforward = feedforward; this.key = key;
    }

    @Override public Tensor forward(Tensor x) {
        if (feedforward) return base.forward(BasicOps.mul(x, BasicOps.reshape(l, l.size())));   // (..., in) ⊙ (in)
        return BasicOps.mul(base.forward(x), BasicOps.reshape(l, l.size()));                  // (..., out) ⊙ (out)
    }

    @Override public Linear base() { return base; }

    @Override public Map<String, Tensor> tensors() { return Map.of(key, l); }

    public boolean feedforward() { return feedforward; }

    /** W with its output rows (or input columns) scaled by l; the bias scaled by l unless feedforward. */
    @Override public Linear folded() {
        float[] w = base.weight().copy().data(), s = l.data();
        int rows = base.weight().dim(0), cols = base.weight().dim(1);
        // Scaled along the stored weight's row index when that index is the scaled one, else its column.
        boolean alongRows = feedforward == (base.layout() == WeightLayout.IN_OUT);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) w[r * cols + c] *= alongRows ? s[r] : s[c];
        }
        Tensor weight = Narrow.to(w, Narrow.mergedDtype(base.weight().dtype()), rows, cols);
        Tensor bias = base.bias();
        if (bias != null && !feedforward) {
            float[] b = bias.copy().data();
            for (int o = 0; o < b.length; o++) b[o] *= s[o];
            bias = Narrow.to(b, Narrow.mergedDtype(bias.dtype()), b.length);
        }
        return new Linear(weight, bias, base.layout());
    }
}
