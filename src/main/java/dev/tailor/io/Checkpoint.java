package dev.tailor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The weights of a model folder as one name → tensor view: {@code model.safetensors}, or the
 * shards listed by {@code model.safetensors.index.json} (the single file wins when both exist, as
 * in transformers). It remembers which tensors were taken so a loader can report the ones it never
 * used, and names the tensor and file in every refusal.
 */
public final class Checkpoint {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    /** Shard size above which {@link #write} splits, as transformers' default {@code max_shard_size}. */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private final Path location;                        // the folder (or the single file) opened
    private final Map<String, SafetensorsFile> fileOf;  // tensor name -> its file, in shard then data order
    private final Set<String> used = ConcurrentHashMap.newKeySet();

    private Checkpoint(Path location, Map<String, SafetensorsFile> fileOf) {
        this.location = location;
        this.fileOf = fileOf;
    }

    /** Opens a model folder, or a single {@code .safetensors} file. */
    public static Checkpoint open(Path dirOrFile) {
        if (Files.isRegularFile(dirOrFile)) return single(dirOrFile, SafetensorsFile.open(dirOrFile));
        if (!Files.isDirectory(dirOrFile)) throw new SafetensorsException(dirOrFile + ": no such model folder or safetensors file");
        Path single = dirOrFile.resolve(SINGLE);
        if (Files.isRegularFile(single)) return single(dirOrFile, SafetensorsFile.open(single));
        Path index = dirOrFile.resolve(INDEX);
        if (Files.isRegularFile(index)) return sharded(dirOrFile, index);
        throw new SafetensorsException(dirOrFile + ": expected " + SINGLE + " or " + INDEX + ", found " + listing(dirOrFile));
    }

    private static Checkpoint single(Path location, SafetensorsFile f) {
        Map<String, SafetensorsFile> m = new LinkedHashMap<>();
        for (String n : f.names()) m.put(n, f);
        return new Checkpoint(location, m);
    }

    private static Checkpoint sharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Path base = dir.toAbsolutePath().normalize();
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            String shard = e.getValue();
            if (shards.containsKey(shard)) continue;
            Path p = base.resolve(shard).normalize();
            if (!base.equals(p.getParent())) {
                throw new SafetensorsException(index + ": weight_map key '" + e.getKey() + "' names shard '" + shard + "' outside the folder");
            }
            if (!Files.isRegularFile(p)) {
                throw new SafetensorsException(index + ": shard '" + shard + "' (holding weight_map key '" + e.getKey() + "') does not exist in " + dir);
            }
            shards.put(shard, SafetensorsFile.open(p));
        }
        // Every tensor of every shard is part of the checkpoint (transformers loads whole shards).
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (SafetensorsFile f : shards.values()) {
            for (String n : f.names()) {
                SafetensorsFile before = fileOf.putIfAbsent(n, f);
                if (before != null) throw new SafetensorsException(index + ": tensor '" + n + "' is in both " + before.source() + " and " + f.source());
            }
        }
        for (Map.Entry<String, String> e : weightMap.entrySet()) {
            if (!shards.get(e.getValue()).contains(e.getKey())) {
                throw new SafetensorsException(index + ": weight_map puts tensor '" + e.getKey() + "' in shard '" + e.getValue() + "', which has no such tensor");
            }
        }
        return new Checkpoint(dir, fileOf);
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = SafetensorsHeader.JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(index + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(index + ": cannot read: " + e, e);
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) throw new SafetensorsException(index + ": expected an object 'weight_map' of tensor name -> shard file");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : wm.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(index + ": weight_map key '" + e.getKey() + "' is " + e.getValue() + ", expected a shard file name");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /** The folder (or file) this checkpoint was opened from. */
    public Path location() { return location; }

    /** All tensor names: shard by shard, each in data order. */
    public List<String> names() { return new ArrayList<>(fileOf.keySet()); }

    public boolean contains(String name) { return fileOf.containsKey(name); }

    /** The header entry of a tensor (does not mark it used). */
    public TensorInfo info(String name) { return file(name).info(name); }

    /** The file that holds a tensor. */
    public SafetensorsFile file(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) throw new SafetensorsException(location + ": tensor '" + name + "' missing (" + fileOf.size() + " tensors in the checkpoint)");
        return f;
    }

    /** An F32/BF16/F16 tensor, read in place; marks it used. */
    public Tensor tensor(String name) {
        Tensor t = file(name).tensor(name);
        used.add(name);
        return t;
    }

    /** Like {@link #tensor(String)}, refusing a missing tensor or one of another shape. */
    public Tensor tensor(String name, int... expectedDims) {
        Shape expected = Shape.of(expectedDims);
        SafetensorsFile f = fileOf.get(name);
        if (f == null) throw new SafetensorsException(location + ": tensor '" + name + "' missing (expected shape " + expected + ")");
        Shape found = f.info(name).shape();
        if (!found.equals(expected)) {
            throw new SafetensorsException(f.source() + ": tensor '" + name + "' has shape " + found + ", expected " + expected);
        }
        return tensor(name);
    }

    public long[] longs(String name) { long[] v = file(name).longs(name); used.add(name); return v; }

    public int[] ints(String name) { int[] v = file(name).ints(name); used.add(name); return v; }

    public float[] floats(String name) { float[] v = file(name).floats(name); used.add(name); return v; }

    /** Records a tensor as deliberately ignored (e.g. a stored attention-mask buffer). */
    public void markUsed(String name) {
        file(name);
        used.add(name);
    }

    /** Tensors never taken nor marked, in checkpoint order: the loader reports these as unused. */
    public List<String> unused() {
        List<String> out = new ArrayList<>();
        for (String n : fileOf.keySet()) if (!used.contains(n)) out.add(n);
        return out;
    }

    /** The {@code __metadata__} of the single file, or of the first shard. */
    public Map<String, String> metadata() {
        return fileOf.isEmpty() ? Map.of() : fileOf.values().iterator().next().metadata();
    }

    /** Writes {@code entries} to {@code dir} as one file, split into shards above {@link #DEFAULT_SHARD_BYTES}. */
    public static void write(Path dir, List<TensorEntry> entries, Map<String, String> metadata) {
        write(dir, entries, metadata, DEFAULT_SHARD_BYTES);
    }

    /**
     * Writes {@code entries} to {@code dir}: {@code model.safetensors} when their data fits in
     * {@code maxShardBytes}, else {@code model-0000i-of-0000N.safetensors} shards (filled in order;
     * a tensor larger than the limit gets a shard of its own) and the index. Files of an earlier
     * layout that the new one does not use are deleted afterwards, so the folder never mixes both.
     */
    public static void write(Path dir, List<TensorEntry> entries, Map<String, String> metadata, long maxShardBytes) {
        List<List<TensorEntry>> shards = split(entries, maxShardBytes);
        try {
            Files.createDirectories(dir);
            if (shards.size() <= 1) {
                SafetensorsWriter.write(dir.resolve(SINGLE), entries, metadata);
                deleteStale(dir, Set.of(SINGLE));
                return;
            }
            Map<String, String> weightMap = new TreeMap<>(); // transformers writes the index with sorted keys
            long total = 0;
            List<String> written = new ArrayList<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                SafetensorsWriter.write(dir.resolve(name), shards.get(i), metadata);
                written.add(name);
                for (TensorEntry e : shards.get(i)) { weightMap.put(e.name(), name); total += e.byteSize(); }
            }
            AtomicFile.writeString(dir.resolve(INDEX), indexJson(total, weightMap));
            written.add(INDEX);
            deleteStale(dir, Set.copyOf(written));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    static List<List<TensorEntry>> split(List<TensorEntry> entries, long maxShardBytes) {
        List<List<TensorEntry>> shards = new ArrayList<>();
        List<TensorEntry> current = new ArrayList<>();
        long bytes = 0;
        for (TensorEntry e : entries) {
            if (!current.isEmpty() && bytes + e.byteSize() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(e);
            bytes += e.byteSize();
        }
        if (!current.isEmpty() || shards.isEmpty()) shards.add(current);
        return shards;
    }

    private static String indexJson(long totalSize, Map<String, String> weightMap) throws JsonProcessingException {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode wm = root.putObject("weight_map");
        weightMap.forEach(wm::put);
        return SafetensorsHeader.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
    }

    private static void deleteStale(Path dir, Set<String> keep) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String n = p.getFileName().toString();
                boolean ours = n.equals(SINGLE) || n.equals(INDEX) || SHARD_NAME.matcher(n).matches();
                if (ours && !keep.contains(n)) Files.delete(p);
            }
        }
    }

    private static String listing(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            String[] names = files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
            return names.length == 0 ? "an empty folder" : Arrays.toString(names);
        } catch (IOException e) {
            return "an unreadable folder (" + e.getMessage() + ")";
        }
    }
}
