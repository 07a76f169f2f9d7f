package dev.tailor.eval.scaling;

/**
 * The multiplicative joint fine-tuning scaling law of Zhang et al. (2024, "When Scaling Meets LLM
 * Finetuning"): L(X, D) = A · X^(-alpha) · D^(-beta) + E, where X is a scaling factor (model size,
 * tuning-parameter count, ...) and D the fine-tuning data size.
 */
public record ScalingLaw(double a, double alpha, double beta, double e) {

    /** The predicted loss at (x, d); both must be positive. */
    public double predict(double x, double d) {
        if (!(x > 0) || !(d > 0)) throw new IllegalArgumentException("the law needs x > 0 and d > 0, got x=" + x + ", d=" + d);
        return a * Math.exp(-alpha * Math.log(x) - beta * Math.log(d)) + e;
    }
}
