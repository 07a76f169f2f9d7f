package dev.tailor.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSONL file (one JSON object per line; blank lines skipped) or a JSON file holding an
 * array of objects. Every row remembers its file and line so errors can point at it.
 */
public final class JsonlReader {

    /** One object of the file and where it came from. */
    public record Row(Path file, int line, JsonNode json) {

        /** "file:line" for error messages. */
        public String where() { return file + ":" + line; }

        /** The field, or an error naming file, line and field when it is missing or null. */
        public JsonNode require(String field) {
            JsonNode n = json.get(field);
            if (n == null || n.isNull()) throw new DataException(where() + ": missing field '" + field + "'");
            return n;
        }

        /** The field as text, or an error naming where it is and what it was instead. */
        public String requireText(String field) {
            JsonNode n = require(field);
            if (!n.isTextual()) throw new DataException(where() + ": field '" + field + "' must be a string, found " + n.getNodeType().name().toLowerCase());
            return n.asText();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonlReader() {}

    /** All rows of a .jsonl or .json file. */
    public static List<Row> read(Path file) {
        return read(file, e -> { throw e; });
    }

    /**
     * All rows of a .jsonl or .json file; a line of a .jsonl file that is not a JSON object goes to
     * {@code badLine} (which may throw it) instead of stopping the read.
     */
    public static List<Row> read(Path file, java.util.function.Consumer<DataException> badLine) {
        try {
            String name = file.getFileName().toString();
            if (name.endsWith(".json")) return readArray(file);
            List<Row> rows = new ArrayList<>();
            try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) continue;
                    try {
                        rows.add(new Row(file, n, parseObject(line, file, n)));
                    } catch (DataException e) {
                        badLine.accept(e);
                    }
                }
            }
            return rows;
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }

    private static List<Row> readArray(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new DataException(file + ":" + e.getLocation().getLineNr() + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray()) throw new DataException(file + ": expected a JSON array of objects");
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            if (!root.get(i).isObject()) throw new DataException(file + ": element " + i + " is not an object");
            rows.add(new Row(file, i + 1, root.get(i)));
        }
        return rows;
    }

    private static JsonNode parseObject(String line, Path file, int n) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new DataException(file + ":" + n + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) throw new DataException(file + ":" + n + ": expected a JSON object");
        return node;
    }
}
