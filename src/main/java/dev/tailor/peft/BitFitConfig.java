package dev.tailor.peft;

/**
 * BitFit (Ben Zaken et al. 2022): only bias terms train. Tailor trains the biases of the selected
 * linear layers (trainable copies; the base keeps its own). The saved config uses
 * {@code peft_type "BITFIT"}, which PEFT does not have; the tensors are saved under PEFT's key for an
 * unwrapped layer's bias, {@code base_model.model.<path>.bias}.
 *
 * @param targetModules the linear layers whose biases train (all-linear: every layer but the head)
 */
public record BitFitConfig(Targets targetModules) implements PeftConfig {

    public BitFitConfig {
        if (targetModules == null) targetModules = new Targets.AllLinear();
    }

    @Override public String peftType() { return "BITFIT"; }
}
