package dev.tailor.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One row of the demo instruction data: {@code {"task": "repeat", "words": ["moon"],
 * "held_out": true, "messages": [{"role": "user", ...}, {"role": "assistant", ...}]}}.
 * {@code held_out} (eval rows only) says whether the words never occur in the training rows.
 *
 * @param prompt the conversation up to the answer: every message but a final assistant one
 * @param where  "file:line", for error messages
 */
public record InstructionCase(InstructionTask task, List<String> words, boolean heldOut,
                              List<Map<String, String>> prompt, String where) {

    public InstructionCase {
        words = List.copyOf(words);
        prompt = List.copyOf(prompt);
    }

    /** The answer that complies. */
    public String expected() {
        return task.expected(words);
    }

    /** Every row of a JSONL file. */
    public static List<InstructionCase> read(Path file) {
        List<InstructionCase> out = new ArrayList<>();
        for (JsonlReader.Row row : JsonlReader.read(file)) out.add(of(row));
        return out;
    }

    /** Reads one row; errors name the file, the line and the field. */
    public static InstructionCase of(JsonlReader.Row row) {
        InstructionTask task;
        try {
            task = InstructionTask.of(row.requireText("task"));
        } catch (IllegalArgumentException e) {
            throw new DataException(row.where() + ": field 'task': " + e.getMessage());
        }
        JsonNode wordsNode = row.require("words");
        if (!wordsNode.isArray() || wordsNode.size() != task.arity()) {
            throw new DataException(row.where() + ": field 'words' must be an array of " + task.arity()
                    + " string(s) for task \"" + task.id() + "\", found " + wordsNode);
        }
        List<String> words = new ArrayList<>();
        for (JsonNode w : wordsNode) {
            if (!w.isTextual()) throw new DataException(row.where() + ": field 'words' holds a non-string: " + w);
            words.add(w.asText());
        }
        JsonNode heldOut = row.json().get("held_out");
        return new InstructionCase(task, words, heldOut != null && heldOut.asBoolean(), promptOf(row), row.where());
    }

    private static List<Map<String, String>> promptOf(JsonlReader.Row row) {
        JsonNode messages = row.require("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new DataException(row.where() + ": field 'messages' must be a non-empty array");
        }
        List<Map<String, String>> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new DataException(row.where() + ": messages[" + i + "] needs string fields 'role' and 'content'");
            }
            out.add(Map.of("role", m.get("role").asText(), "content", m.get("content").asText()));
        }
        if (out.getLast().get("role").equals("assistant")) out.removeLast();
        return out;
    }
}
