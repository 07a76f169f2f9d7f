package dev.tailor.peft.lora;

import dev.tailor.autograd.ActOps;
import dev.tailor.autograd.BasicOps;
import dev.tailor.autograd.LoraOps;
import dev.tailor.autograd.MatOps;
import dev.tailor.autograd.Tape;
import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.peft.Narrow;
import dev.tailor.tensor.Tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A linear layer with LoRA adapters beside it: {@code y = base(x) + scale · B A dropout(x)}, or with
 * DoRA {@code y = (m / ||W + scale·B A||) · (W x + scale · B A x) + b} per output row, the norm
 * detached. Several named adapters can sit on one layer; at most one is active, and with none
 * active the layer is the base layer exactly. The base weight is only read (through
 * {@link MatOps#linear}, so any storage works: F32, BF16, NF4) and never changes.
 */
public final class LoraLinear implements LinearLayer {

    private final String path;                                       // module path, e.g. model.layers.0.self_attn.q_proj
    private final Linear base;
    private final Map<String, LoraWeights> adapters = new LinkedHashMap<>();
    private String active;                                           // null: the base layer alone
    private Linear merged;                                           // the active adapter folded in, or null
    private Tensor floatBias;                                        // (out) the frozen base bias as float32, for DoRA
    private long dropoutCalls;                                       // varies the dropout mask from call to call

    public LoraLinear(String path, Linear base) {
        this.path = path;
        this.base = base;
    }

    public String path() { return path; }

    @Override public Linear base() { return base; }

    /** The adapter names on this layer, in the order added. */
    public List<String> adapterNames() { return List.copyOf(adapters.keySet()); }

    public LoraWeights weights(String name) { return adapters.get(name); }

    void add(String name, LoraWeights w) {
        if (adapters.containsKey(name)) throw new IllegalArgumentException(path + ": an adapter named '" + name + "' is already attached");
        adapters.put(name, w);
    }

    void remove(String name) {
        if (Objects.equals(active, name)) setActive(null);
        adapters.remove(name);
    }

    /** The active adapter's name, or null when the layer runs as its base. */
    public String active() { return active; }

    /** Activates an adapter (null: none). Switching away from a merged adapter unmerges it. */
    void setActive(String name) {
        if (name != null && !adapters.containsKey(name)) throw new IllegalArgumentException(path + ": no adapter named '" + name + "'");
        if (!Objects.equals(active, name)) merged = null;
        active = name;
    }

    /** Folds the active adapter into a copy of the base weight (base dtype; NF4 becomes BF16). */
    void merge() {
        if (active == null) throw new IllegalStateException(path + ": no active adapter to merge");
        merged = mergedLayer(adapters.get(active));
    }

    /** Back to the unmerged adapter; the base weight was never modified, so this is exact. */
    void unmerge() { merged = null; }

    public boolean isMerged() { return merged != null; }

    /** The base layer with {@code w} folded into its weight and bias, stored in the base's dtype. */
    Linear mergedLayer(LoraWeights w) {
        float[] rowScale = null;
        if (w.dora()) {
            float[] norms = LoraFold.rowNorms(base, w.a(), w.b(), w.scale());
            rowScale = new float[norms.length];
            float[] m = w.magnitude().data();
            for (int o = 0; o < norms.length; o++) rowScale[o] = m[o] / norms[o];
        }
        Tensor weight = base.weight();
        if (w.lowRank()) {
            float[] values = LoraFold.merged(base, w.a(), w.b(), w.scale(), rowScale);
            weight = Narrow.to(values, Narrow.mergedDtype(weight.dtype()), weight.shape().dims());
        }
        Tensor bias = base.bias();
        if (w.bias() != null) bias = Narrow.to(w.bias().data().clone(), Narrow.mergedDtype(bias.dtype()), bias.shape().dims());
        return new Linear(weight, bias, base.layout());
    }

    @Override public Tensor forward(Tensor x) {
        if (active == null) return base.forward(x);
        if (merged != null) return merged.forward(x);
        LoraWeights w = adapters.get(active);
        Tensor bias = w.bias() != null ? w.bias() : base.bias();
        if (!w.lowRank()) return MatOps.linear(x, base.weight(), bias, base.layout());
        boolean drop = w.dropout() > 0 && Tape.enabled(); // dropout only while training, as module.training in PyTorch
        Tensor xd = drop ? ActOps.dropout(x, w.dropout(), mix(path.hashCode(), dropoutCalls++)) : x; // (..., in)
        // Plain LoRA as one op: the update is accumulated into the base output without temporaries.
        if (!w.dora()) return LoraOps.linear(x, base.weight(), bias, base.layout(), xd, w.a(), w.b(), w.scale());
        return dora(x, xd, drop, w, bias);
    }

    /**
     * DoRA as PEFT computes it. Without dropout: (m/n) · (W x + s·B A x) + b. With dropout the base
     * path keeps the undropped input: W x + b + (m/n − 1) · W x_d + (m/n) · s·B A x_d.
     */
    private Tensor dora(Tensor x, Tensor xd, boolean dropped, LoraWeights w, Tensor bias) {
        float[] norms = LoraFold.rowNorms(base, w.a(), w.b(), w.scale()); // (out), detached
        Tensor magScale = overConstant(w.magnitude(), norms);             // (out) m / ||W + s·B A||
        if (!dropped) {
            // the bracket W x + s·B A x is the fused LoRA op: one (..., out) activation instead of four
            Tensor y = BasicOps.mul(LoraOps.linear(x, base.weight(), null, base.layout(), x, w.a(), w.b(), w.scale()), magScale);
            return bias == null ? y : BasicOps.add(y, floatOf(bias));
        }
        Tensor update = BasicOps.scale(MatOps.linear(MatOps.linear(xd, w.a(), null), w.b(), null), w.scale()); // (..., out)
        Tensor wxd = MatOps.linear(xd, base.weight(), null, base.layout());        // (..., out)
        float[] minusOne = new float[norms.length];
        Arrays.fill(minusOne, -1f);
        Tensor y = MatOps.linear(x, base.weight(), bias, base.layout());
        y = BasicOps.add(y, BasicOps.mul(wxd, BasicOps.add(magScale, Tensor.of(minusOne, norms.length))));
        return BasicOps.add(y, BasicOps.mul(update, magScale));
    }

    /**
     * m / n elementwise with n a constant: a true division, so that at initialisation (m = n) the
     * scale is exactly 1 and the layer reproduces the base bit for bit. // (out)
     */
    private static Tensor overConstant(Tensor m, float[] n) {
        float[] md = m.data(), v = new float[n.length];
        for (int o = 0; o < n.length; o++) v[o] = md[o] / n[o];
        Tensor y = Tensor.of(v, n.length);
        if (Tape.needsGrad(m)) {
            Tape.record("dora_magnitude_scale", y, () -> { // y = m / n  =>  dm += dy / n
                float[] dy = y.grad(), dm = m.gradBuffer();
                for (int o = 0; o < n.length; o++) dm[o] += dy[o] / n[o];
            });
        }
        return y;
    }

    /** A float32 bias for the broadcast add: trainable copies already are; a frozen BF16 bias is widened once. */
    private Tensor floatOf(Tensor bias) {
        if (bias.isFloat32()) return bias;
        if (floatBias == null) floatBias = bias.copy();
        return floatBias;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    @Override public String toString() { return "LoraLinear[" + path + ", adapters " + adapters.keySet() + ", active " + active + "]"; }
}
