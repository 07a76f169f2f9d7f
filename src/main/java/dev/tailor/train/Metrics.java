package dev.tailor.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * metrics.jsonl: one JSON object per logged step ({"step", "loss", "lr", "grad_norm", "tokens",
 * "tokens_per_s", "epoch"}) or evaluation ({"step", "eval_loss", "eval_perplexity"}), flushed per
 * line. The losses are also kept in memory for the loss-curve plot.
 */
final class Metrics implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final List<double[]> train = new ArrayList<>(); // (step, loss)
    final List<double[]> eval = new ArrayList<>();  // (step, eval loss)
    private final BufferedWriter out;

    /** Opens {@code file}; when resuming at {@code fromStep}, keeps only the lines of steps up to it. */
    Metrics(Path file, int fromStep) {
        try {
            List<String> kept = new ArrayList<>();
            if (fromStep > 0 && Files.isRegularFile(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    JsonNode n = JSON.readTree(line);
                    if (n == null || n.path("step").asInt(Integer.MAX_VALUE) > fromStep) continue;
                    kept.add(line);
                    remember(n);
                }
            }
            AtomicFile.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file + ": " + e.getMessage(), e);
        }
    }

    private void remember(JsonNode n) {
        if (n.has("loss")) train.add(new double[] {n.get("step").asDouble(), n.get("loss").asDouble()});
        if (n.has("eval_loss")) eval.add(new double[] {n.get("step").asDouble(), n.get("eval_loss").asDouble()});
    }

    void step(int step, double loss, double lr, double gradNorm, long tokens, double tokensPerSecond, double epoch) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step).put("loss", loss).put("lr", lr).put("grad_norm", gradNorm).put("tokens", tokens)
                .put("tokens_per_s", Math.round(tokensPerSecond * 10) / 10.0).put("epoch", Math.round(epoch * 1e4) / 1e4);
        write(o);
    }

    void skipped(int step, double loss, double gradNorm) {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step).put("skipped", true).put("loss_value", String.valueOf(loss)).put("grad_norm_value", String.valueOf(gradNorm));
        write(o);
    }

    void eval(int step, double loss, double perplexity) {
        write(JSON.createObjectNode().put("step", step).put("eval_loss", loss).put("eval_perplexity", perplexity));
    }

    private void write(ObjectNode o) {
        remember(o);
        try {
            out.write(o.toString());
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
