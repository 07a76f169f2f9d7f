package dev.tailor.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tailor.cli.Main;
import dev.tailor.data.TokenRow;
import dev.tailor.models.CausalLM;
import dev.tailor.models.ModelInit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Resuming from a checkpoint continues exactly as the uninterrupted run: the same losses, bit for bit. */
class ResumeTest {

    @TempDir Path dir;

    @Test
    void resumedRunEqualsUninterruptedRun() throws IOException {
        List<TokenRow> rows = TinyRun.rows(10, 11);
        TrainConfig cfg = TinyRun.config().withBatch(2, 1).withSteps(6, 0, 2);
        CausalLM a = TinyRun.model();
        Trainer.Result full = TinyRun.trainer(a, rows, cfg, dir.resolve("a")).run(null);
        // A fresh output folder holding only the step-2 checkpoint, as if the run had died after it.
        Path b = dir.resolve("b");
        Files.createDirectories(b);
        copyTree(dir.resolve("a/checkpoint-2"), b.resolve("checkpoint-2"));
        CausalLM m = TinyRun.model();
        Trainer.Result resumed = TinyRun.trainer(m, rows, cfg, b).run(b.resolve("checkpoint-2"));
        assertEquals(full.losses().subList(2, 6), resumed.losses());
        assertEquals(0f, TrainerTest.maxAbsDiff(a, m));
    }

    @Test
    void resumeRefusesADifferentlyPlannedRun() {
        List<TokenRow> rows = TinyRun.rows(8, 12);
        TinyRun.trainer(TinyRun.model(), rows, TinyRun.config().withBatch(2, 1).withSteps(2, 0, 1), dir).run(null);
        Trainer t = TinyRun.trainer(TinyRun.model(), rows, TinyRun.config().withBatch(1, 2).withSteps(2, 0, 1), dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.run(dir.resolve("checkpoint-1")));
        assertEquals("cannot resume from " + dir.resolve("checkpoint-1") + ": it was written with --batch-size = 2, this run has 1", e.getMessage());
    }

    @Test
    void incompleteCheckpointsAreIgnoredAndCleaned() throws IOException {
        List<TokenRow> rows = TinyRun.rows(4, 13);
        TinyRun.trainer(TinyRun.model(), rows, TinyRun.config().withBatch(2, 1).withSteps(2, 0, 1), dir).run(null);
        Files.createDirectories(dir.resolve("checkpoint-9"));                  // renamed but never marked
        Files.writeString(dir.resolve("checkpoint-9/trainer_state.json"), "{");
        Files.createDirectories(dir.resolve(".tmp-checkpoint-10-123"));        // died while writing
        CheckpointStore store = new CheckpointStore(dir);
        assertEquals(dir.resolve("checkpoint-2"), store.latest().orElseThrow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointStore.load(dir.resolve("checkpoint-9"), List.of(), null));
        assertEquals("cannot resume from " + dir.resolve("checkpoint-9") + ": not a complete checkpoint (no COMPLETE file)", e.getMessage());
        assertEquals(2, store.cleanIncomplete());
        assertFalse(Files.exists(dir.resolve("checkpoint-9")));
        assertFalse(Files.exists(dir.resolve(".tmp-checkpoint-10-123")));
        assertEquals(List.of(dir.resolve("checkpoint-1"), dir.resolve("checkpoint-2")), store.complete());
    }

    /**
     * The real thing: a child JVM runs {@code tailor train}, is killed (SIGKILL) right after its
     * first checkpoint, and {@code --resume} finishes the run; every step's loss in metrics.jsonl
     * equals an uninterrupted run's.
     */
    @Test
    @Tag("slow") // about 25 s: two child-JVM-sized runs plus the resumed one
    void killedProcessResumesToTheSameLosses() throws Exception {
        Path model = dir.resolve("model"), data = dir.resolve("data.jsonl");
        ModelInit.write(TinyRun.model(), model);
        List<String> lines = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (TokenRow r : TinyRun.rows(96, 14)) {
            lines.add(json.writeValueAsString(java.util.Map.of("input_ids", r.ids(), "labels", r.labels())));
        }
        Files.write(data, lines);
        List<String> args = List.of("train", "--model", model.toString(), "--data", data.toString(), "--batch-size", "8", "--grad-accum", "2",
                "--max-steps", "24", "--save-steps", "3", "--lr", "2e-3", "--schedule", "cosine", "--warmup-steps", "2", "--seed", "5");
        assertEquals(0, run(args, dir.resolve("whole")));

        Path out = dir.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss8m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        cmd.addAll(List.of("--output", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(out.resolve("checkpoint-3/COMPLETE")) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(p.isAlive(), "the child ended before it could be killed:\n" + Files.readString(dir.resolve("child.log")));
        p.destroyForcibly().waitFor();
        assertFalse(Files.exists(out.resolve("checkpoint-24")), "the child finished before it was killed");

        List<String> resume = new ArrayList<>(args);
        resume.add("--resume");
        assertEquals(0, run(resume, out));
        // Bit equality. This holds only because no kernel result depends on how far the JIT has got:
        // the resumed process is at another compilation stage than the uninterrupted one at the same
        // step, and the Vector API's reduceLanes(ADD) and lanewise(EXP/TANH) change their last bits
        // once compiled, which is why the kernels use dev.tailor.kernels.Lanes instead.
        var w1 = dev.tailor.io.SafetensorsFile.open(dir.resolve("whole/model.safetensors"));
        var w2 = dev.tailor.io.SafetensorsFile.open(out.resolve("model.safetensors"));
        assertEquals(w1.names(), w2.names());
        for (String name : w1.names()) {
            float[] x = w1.floats(name), y = w2.floats(name);
            assertEquals(x.length, y.length, name);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), name + "[" + i + "]: " + x[i] + " vs " + y[i]);
            }
        }
        List<Double> whole = losses(dir.resolve("whole/metrics.jsonl")), resumed = losses(out.resolve("metrics.jsonl"));
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(Double.doubleToRawLongBits(whole.get(i)), Double.doubleToRawLongBits(resumed.get(i)),
                    "step " + (i + 1) + ": " + whole.get(i) + " vs " + resumed.get(i));
        }
    }

    private static int run(List<String> args, Path output) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("--output", output.toString()));
        return Main.commandLine().execute(all.toArray(String[]::new));
    }

    private static List<Double> losses(Path metrics) throws IOException {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(metrics)) {
            JsonNode n = json.readTree(line);
            if (n.has("loss")) {
                assertEquals(out.size() + 1, n.get("step").asInt(), "steps in order, each once");
                out.add(n.get("loss").asDouble());
            }
        }
        assertEquals(24, out.size());
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path f : s.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
