package dev.tailor.peft;

import dev.tailor.nn.Linear;
import dev.tailor.nn.LinearLayer;
import dev.tailor.tensor.Tensor;

import java.util.Map;

/**
 * A linear layer with one method's adapter around it (bottleneck adapter, (IA)³ vectors, BitFit
 * bias). The wrapper only reads its {@link #base()}; {@link LayerAdapterModel} puts it into the
 * layer's slot, or the base back, or the folded layer.
 */
public interface PeftLinear extends LinearLayer {

    /** The adapter's trainable tensors by the key they are saved under. */
    Map<String, Tensor> tensors();

    /**
     * The base layer with the adapter folded into its weight and bias, stored in the base's dtype
     * (a quantised base becomes BF16). Throws {@link UnsupportedOperationException}, saying why,
     * for an adapter that no linear layer can express.
     */
    Linear folded();
}
