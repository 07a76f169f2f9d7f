package dev.tailor.models.llama;

import dev.tailor.autograd.ActOps;
import dev.tailor.nn.LinearLayer;
import dev.tailor.tensor.Tensor;

/** The gated MLP ({@code mlp}): down_proj(silu(gate_proj(x)) * up_proj(x)). */
final class LlamaMlp {

    LinearLayer gateProj; // gate_proj: (I, C)
    LinearLayer upProj;   // up_proj:   (I, C)
    LinearLayer downProj; // down_proj: (C, I)

    LlamaMlp(LinearLayer gateProj, LinearLayer upProj, LinearLayer downProj) {
        this.gateProj = gateProj; this.upProj = upProj; this.downProj = downProj;
    }

    /** (B, T, C) -> (B, T, C) */
    Tensor forward(Tensor x) {
        return downProj.forward(ActOps.swiglu(gateProj.forward(x), upProj.forward(x))); // swiglu: (B, T, I)
    }
}
