package dev.tailor.data.selfinstruct;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One human-written seed task of Self-Instruct ({@code data/seed_tasks.jsonl}):
 * {@code {"id", "name", "instruction", "instances": [{"input", "output"}], "is_classification"}}.
 *
 * @param where file:line, for messages
 */
public record SeedTask(String id, String name, String instruction, List<Instance> instances, boolean isClassification, String where) {

    /** One input/output example of a task; the input is often empty. */
    public record Instance(String input, String output) {}

    public SeedTask {
        instances = List.copyOf(instances);
    }

    /** Every task of the file; an empty file, a malformed row or a missing field is an error naming file and line. */
    public static List<SeedTask> read(Path file) {
        List<JsonlReader.Row> rows = JsonlReader.read(file);
        if (rows.isEmpty()) throw new DataException(file + ": no seed tasks (the file is empty)");
        List<SeedTask> tasks = new ArrayList<>(rows.size());
        for (JsonlReader.Row row : rows) tasks.add(parse(row));
        return tasks;
    }

    /** The instructions of the tasks, in file order. */
    public static List<String> instructions(List<SeedTask> tasks) {
        List<String> out = new ArrayList<>(tasks.size());
        for (SeedTask t : tasks) out.add(t.instruction());
        return out;
    }

    static SeedTask parse(JsonlReader.Row row) {
        String instruction = row.requireText("instruction");
        if (instruction.isBlank()) throw new DataException(row.where() + ": field 'instruction' is empty");
        JsonNode arr = row.require("instances");
        if (!arr.isArray() || arr.isEmpty()) {
            throw new DataException(row.where() + ": field 'instances' must be a non-empty array of {\"input\", \"output\"}, found " + arr);
        }
        List<Instance> instances = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) instances.add(instance(row, arr.get(i), i));
        JsonNode clf = row.require("is_classification");
        if (!clf.isBoolean()) throw new DataException(row.where() + ": field 'is_classification' must be true or false, found " + clf);
        return new SeedTask(row.requireText("id"), row.requireText("name"), instruction, instances, clf.asBoolean(), row.where());
    }

    private static Instance instance(JsonlReader.Row row, JsonNode n, int i) {
        String at = row.where() + ": instances[" + i + "]";
        if (!n.isObject()) throw new DataException(at + " must be an object, found " + n);
        JsonNode in = n.get("input"), out = n.get("output");
        if (in == null || !in.isTextual()) throw new DataException(at + ": field 'input' must be a string, found " + in);
        if (out == null || !out.isTextual()) throw new DataException(at + ": field 'output' must be a string, found " + out);
        return new Instance(in.asText(), out.asText());
    }
}
