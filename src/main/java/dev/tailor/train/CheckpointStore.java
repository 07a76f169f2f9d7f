package dev.tailor.train;

import dev.tailor.io.AtomicFile;
import dev.tailor.io.SafetensorsFile;
import dev.tailor.io.SafetensorsWriter;
import dev.tailor.io.TensorEntry;
import dev.tailor.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints under the output folder, one folder per step: {@code checkpoint-<step>/} with the
 * trainable tensors and optimizer state (trainer_state.safetensors, float32, exact) and
 * trainer_state.json. A checkpoint is written into a hidden temporary folder, renamed into place,
 * and only then marked complete with the {@value #MARKER} file; a folder without the marker (a
 * crash between rename and marker) or a leftover temporary folder is ignored and deleted.
 */
public final class CheckpointStore {

    public static final String MARKER = "COMPLETE";
    static final String TENSORS = "trainer_state.safetensors", STATE = "trainer_state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final String TMP_PREFIX = ".tmp-checkpoint-";

    private final Path output;

    public CheckpointStore(Path output) { this.output = output; }

    /** Writes the checkpoint of {@code state.step()}; returns its folder. */
    public Path save(TrainState state, List<Param> params, Optimizer optimizer) {
        Path dir = output.resolve("checkpoint-" + state.step());
        try {
            Files.createDirectories(output);
            Path tmp = Files.createTempDirectory(output, TMP_PREFIX + state.step() + "-");
            List<TensorEntry> entries = new ArrayList<>();
            for (Param p : params) entries.add(TensorEntry.of("param." + p.name(), p.tensor(), DType.F32));
            entries.addAll(optimizer.state());
            SafetensorsWriter.write(tmp.resolve(TENSORS), entries, java.util.Map.of("format", "tailor"));
            AtomicFile.writeString(tmp.resolve(STATE), state.toJson());
            if (Files.exists(dir)) deleteTree(dir); // a stale copy of the same step from an abandoned run
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.writeString(dir.resolve(MARKER), "step " + state.step() + "\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> complete() {
        List<Path> out = new ArrayList<>();
        for (Path p : list()) if (NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p.resolve(MARKER))) out.add(p);
        out.sort(Comparator.comparingInt(CheckpointStore::stepOf));
        return out;
    }

    public Optional<Path> latest() {
        List<Path> c = complete();
        return c.isEmpty() ? Optional.empty() : Optional.of(c.getLast());
    }

    /** Deletes temporary folders and checkpoint folders that never got their marker. */
    public int cleanIncomplete() {
        int n = 0;
        for (Path p : list()) {
            String name = p.getFileName().toString();
            boolean tmp = name.startsWith(TMP_PREFIX);
            boolean unmarked = NAME.matcher(name).matches() && !Files.isRegularFile(p.resolve(MARKER));
            if (tmp || unmarked) { deleteTree(p); n++; }
        }
        return n;
    }

    /** Deletes the oldest complete checkpoints beyond {@code keep} (0 = keep all). */
    public void prune(int keep) {
        if (keep <= 0) return;
        List<Path> c = complete();
        for (int i = 0; i < c.size() - keep; i++) deleteTree(c.get(i));
    }

    /** Restores the trainable tensors and optimizer state of {@code dir}; returns its trainer state. */
    public static TrainState load(Path dir, List<Param> params, Optimizer optimizer) {
        if (!Files.isRegularFile(dir.resolve(MARKER))) {
            throw new IllegalArgumentException("cannot resume from " + dir + ": not a complete checkpoint (no " + MARKER + " file)");
        }
        try {
            TrainState state = TrainState.fromJson(Files.readString(dir.resolve(STATE)), dir.resolve(STATE).toString());
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(TENSORS));
            for (Param p : params) StateIO.read(f, "param." + p.name(), p.tensor().data());
            optimizer.load(f, state.optimizerSteps());
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume from " + dir + ": " + e.getMessage(), e);
        }
    }

    static int stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private List<Path> list() {
        if (!Files.isDirectory(output)) return List.of();
        try (Stream<Path> s = Files.list(output)) {
            return s.filter(Files::isDirectory).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + output + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + p + ": " + e.getMessage(), e);
        }
    }
}
