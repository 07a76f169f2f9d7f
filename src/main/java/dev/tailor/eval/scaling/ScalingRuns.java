package dev.tailor.eval.scaling;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the runs a scaling law is fitted to: JSONL rows {@code {"x", "d", "loss", optional "method"}}. */
public final class ScalingRuns {

    /** The fewest runs that pin the law's four parameters (A, alpha, beta, E). */
    public static final int MIN_RUNS = 4;
    /** The method name of runs that give none. */
    public static final String NO_METHOD = "";

    /** One fine-tuning run: scaling factor x, data size d, final loss, method, and its line in the file. */
    public record Run(double x, double d, double loss, String method, int line) {}

    private ScalingRuns() {}

    /** Every run of the file; fewer than {@link #MIN_RUNS} is an error naming the file and the count. */
    public static List<Run> read(Path file) {
        List<JsonlReader.Row> rows = JsonlReader.read(file);
        List<Run> runs = new ArrayList<>(rows.size());
        for (JsonlReader.Row row : rows) runs.add(parse(row));
        requireEnough(runs, file + "");
        return runs;
    }

    /** The runs grouped by method, in order of first appearance; each group needs {@link #MIN_RUNS} runs. */
    public static Map<String, List<Run>> byMethod(List<Run> runs, Path file) {
        Map<String, List<Run>> groups = new LinkedHashMap<>();
        for (Run r : runs) groups.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
        groups.forEach((m, g) -> requireEnough(g, file + (m.isEmpty() ? "" : " (method '" + m + "')")));
        return groups;
    }

    static void requireEnough(List<Run> runs, String where) {
        if (runs.size() < MIN_RUNS) {
            throw new DataException(where + ": " + runs.size() + " run(s), but fitting L = A·X^-alpha·D^-beta + E needs at least "
                    + MIN_RUNS + " (one per parameter)");
        }
    }

    private static Run parse(JsonlReader.Row row) {
        double x = positive(row, "x");
        double d = positive(row, "d");
        JsonNode l = row.require("loss");
        if (!l.isNumber() || !Double.isFinite(l.asDouble())) {
            throw new DataException(row.where() + ": field 'loss' must be a finite number, found " + l);
        }
        String method = row.json().has("method") && !row.json().get("method").isNull() ? row.requireText("method") : NO_METHOD;
        return new Run(x, d, l.asDouble(), method, row.line());
    }

    private static double positive(JsonlReader.Row row, String field) {
        JsonNode n = row.require(field);
        if (!n.isNumber() || !(n.asDouble() > 0) || !Double.isFinite(n.asDouble())) {
            throw new DataException(row.where() + ": field '" + field + "' must be a positive number, found " + n);
        }
        return n.asDouble();
    }
}
