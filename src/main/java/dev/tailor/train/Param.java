package dev.tailor.train;

import dev.tailor.tensor.Tensor;

/**
 * One trainable tensor as the optimizer sees it.
 *
 * @param name    its checkpoint key (the model's key when it is a model weight)
 * @param tensor  the float32 parameter; its grad() is read by the optimizer
 * @param lrScale multiplier on the scheduled learning rate (from its group)
 * @param decay   whether weight decay applies: matrices yes, vectors (biases, norm weights) no, as in nanoGPT and HF
 */
public record Param(String name, Tensor tensor, double lrScale, boolean decay) {}
