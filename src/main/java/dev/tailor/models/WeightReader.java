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
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Hands a model builder the checkpoint's tensors one key at a time, checking each shape, and at
 * the end names every tensor that was missing or left unused. Frozen weights stay in their stored
 * dtype (read in place); with {@code trainable} every weight is widened to a float32 parameter
 * (full fine-tuning).
 */
public final class WeightReader {

    private final String source;                 // folder or file, for messages
    private final List<String> names;            // checkpoint keys, in file order
    private final Set<String> nameSet;
    private final Function<String, Tensor> lookup; // checkpoint key -> tensor (read in place)
    private final String keyPrefix;              // prepended to every key asked for ("" or "transformer.")
    private final boolean trainable;
    private final BiFunction<String, Tensor, Tensor> frozen; // (canonical key, stored tensor) -> tensor the model keeps
    private final Generator generator;           // non-null: make fresh tensors instead of reading a file
    private final Set<String> used = new LinkedHashSet<>();
    private final Map<String, Tensor> loaded = new LinkedHashMap<>(); // canonical key -> tensor

    public WeightReader(String source, List<String> names, Function<String, Tensor> lookup, String keyPrefix, boolean trainable) {
        this.source = source;
        this.names = List.copyOf(names);
        this.nameSet = Set.copyOf(names);
        this.lookup = lookup;
        this.generator = null;
        this.keyPrefix = keyPrefix;
        this.trainable = trainable;
        this.frozen = (key, t) -> t;
    }

    /**
     * A reader of frozen weights that passes each stored tensor through {@code frozen} (canonical
     * key, tensor) -> the tensor the model keeps: e.g. quantising the block linears as they are read.
     */
    public WeightReader(String source, List<String> names, Function<String, Tensor> lookup, String keyPrefix,
                        BiFunction<String, Tensor, Tensor> frozen) {
        this.source = source;
        this.names = List.copyOf(names);
        this.nameSet = Set.copyOf(names);
        this.lookup = lookup;
        this.generator = null;
        this.keyPrefix = keyPrefix;
        this.trainable = false;
        this.frozen = frozen;
    }

    /** Makes a fresh tensor for a key the model asks for (random initialisation). */
    @FunctionalInterface
    public interface Generator { Tensor make(String canonicalKey, int... dims); }

    /** A reader that makes every tensor the model asks for with {@code generator}: a model from scratch. */
    public WeightReader(Generator generator) {
        this.source = "(initialisation)";
        this.names = List.of();
        this.nameSet = Set.of();
        this.lookup = k -> { throw new IllegalStateException(k); };
        this.keyPrefix = "";
        this.trainable = false;
        this.frozen = (key, t) -> t;
        this.generator = generator;
    }

    /**
     * The tensor stored under {@code canonicalKey} (with this reader's prefix stripped where the
     * file has none), which must have exactly {@code dims}.
     */
    public Tensor take(String canonicalKey, int... dims) {
        if (generator != null) {
            Tensor made = generator.make(canonicalKey, dims);
            loaded.put(canonicalKey, made);
            return made;
        }
        String key = fileKey(canonicalKey);
        if (!nameSet.contains(key)) {
            throw new IllegalArgumentException(source + ": tensor '" + key + "' is missing (expected shape " + Arrays.toString(dims) + ")");
        }
        Tensor t = lookup.apply(key);
        if (!t.shape().equals(Shape.of(dims))) {
            throw new IllegalArgumentException(source + ": tensor '" + key + "' has shape " + t.shape() + ", expected " + Arrays.toString(dims));
        }
        used.add(key);
        Tensor w = trainable ? t.copy().requiresGrad(true) : frozen.apply(canonicalKey, t);
        loaded.put(canonicalKey, w);
        return w;
    }

    /** Like {@link #take} when {@code present}, else null. */
    public Tensor takeIf(boolean present, String canonicalKey, int... dims) {
        return present ? take(canonicalKey, dims) : null;
    }

    /** Marks a tensor the model does not need but which the file may hold (tied head, mask buffers). */
    public void ignore(Predicate<String> fileKey) {
        for (String k : names) if (fileKey.test(k)) used.add(k);
    }

    /** Throws naming the tensors that no part of the model used. */
    public void finish() {
        List<String> unused = new ArrayList<>();
        for (String k : names) if (!used.contains(k)) unused.add(k);
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException(source + ": " + unused.size() + " tensor(s) not used by the model: "
                    + String.join(", ", unused.subList(0, Math.min(10, unused.size()))) + (unused.size() > 10 ? ", ..." : ""));
        }
    }

    /** Every tensor taken so far, by canonical key, in the order taken. */
    public Map<String, Tensor> loaded() { return loaded; }

    private String fileKey(String canonicalKey) {
        return canonicalKey.startsWith(keyPrefix) && !nameSet.contains(canonicalKey)
                ? canonicalKey.substring(keyPrefix.length()) : canonicalKey;
    }
}
