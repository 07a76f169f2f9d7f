package dev.tailor.models;

import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Hands a model builder the checkpoint's tensors one key at a time, checking each shape, and at
 * the end names every tensor that was missing or left unused. Frozen weights stay in their stored
 * dtype (read in place); with {@code trainable} every weight is widened to a float32 parameter
 * (full fine-tuning).
 */
public final class WeightReader {

    private final String source;                 // folder or file, for messages
    private final Map<String, Tensor> tensors;   // checkpoint key -> tensor, in file order
    private final String keyPrefix;              // prepended to every key asked for ("" or "transformer.")
    private final boolean trainable;
    private final Set<String> used = new LinkedHashSet<>();
    private final Map<String, Tensor> loaded = new LinkedHashMap<>(); // canonical key -> tensor

    public WeightReader(String source, Map<String, Tensor> tensors, String keyPrefix, boolean trainable) {
        this.source = source;
        this.tensors = tensors;
        this.keyPrefix = keyPrefix;
        this.trainable = trainable;
    }

    /**
     * The tensor stored under {@code canonicalKey} (with this reader's prefix stripped where the
     * file has none), which must have exactly {@code dims}.
     */
    public Tensor take(String canonicalKey, int... dims) {
        String key = fileKey(canonicalKey);
        Tensor t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException(source + ": tensor '" + key + "' is missing (expected shape " + Arrays.toString(dims) + ")");
        }
        if (!t.shape().equals(Shape.of(dims))) {
            throw new IllegalArgumentException(source + ": tensor '" + key + "' has shape " + t.shape() + ", expected " + Arrays.toString(dims));
        }
        used.add(key);
        Tensor w = trainable ? t.copy().requiresGrad(true) : t;
        loaded.put(canonicalKey, w);
        return w;
    }

    /** Like {@link #take} when {@code present}, else null. */
    public Tensor takeIf(boolean present, String canonicalKey, int... dims) {
        return present ? take(canonicalKey, dims) : null;
    }

    /** Marks a tensor the model does not need but which the file may hold (tied head, mask buffers). */
    public void ignore(Predicate<String> fileKey) {
        for (String k : tensors.keySet()) if (fileKey.test(k)) used.add(k);
    }

    /** Throws naming the tensors that no part of the model used. */
    public void finish() {
        List<String> unused = new ArrayList<>();
        for (String k : tensors.keySet()) if (!used.contains(k)) unused.add(k);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(source + ": " + unused.size() + " tensor(s) not used by the model: "
                    + String.join(", ", unused.subList(0, Math.min(10, unused.size()))) + (unused.size() > 10 ? ", ..." : ""));
        }
    }

    /** Every tensor taken so far, by canonical key, in the order taken. */
    public Map<String, Tensor> loaded() { return loaded; }

    private String fileKey(String canonicalKey) {
        return canonicalKey.startsWith(keyPrefix) && !tensors.containsKey(canonicalKey)
                ? canonicalKey.substring(keyPrefix.length()) : canonicalKey;
    }
}
