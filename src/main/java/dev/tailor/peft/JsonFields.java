package dev.tailor.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed reads of one JSON object; JSON null counts as absent, as Python's None. */
public record JsonFields(Path file, JsonNode root) {

    // A key given twice is refused: Python keeps the last silently, which hides a broken file.
    private static final JsonMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    /** Reads {@code file}, which must hold one JSON object; errors name the file. */
    public static JsonFields read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": expected a JSON object");
        return new JsonFields(file, root);
    }

    public JsonNode node(String key) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? null : n;
    }

    public IllegalArgumentException error(String key, String what) { return new IllegalArgumentException(file + ": '" + key + "' " + what); }

    public String string(String key, String fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isTextual()) throw error(key, "is " + n + ", expected a string");
        return n.textValue();
    }

    public double number(String key, double fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isNumber()) throw error(key, "is " + n + ", expected a number");
        return n.doubleValue();
    }

    public int positiveInt(String key, int fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() <= 0) throw error(key, "is " + n + ", expected a positive integer");
        return n.intValue();
    }

    public boolean bool(String key) {
        JsonNode n = node(key);
        if (n == null) return false;
        if (!n.isBoolean()) throw error(key, "is " + n + ", expected true or false");
        return n.booleanValue();
    }

    /** A list of strings, or one string as a one-element list; absent = empty. */
    public List<String> strings(String key) {
        JsonNode n = node(key);
        if (n == null) return List.of();
        if (n.isTextual()) return List.of(n.textValue());
        if (!n.isArray()) throw error(key, "is " + n + ", expected a string or a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw error(key, "has element " + e + ", expected strings");
            out.add(e.textValue());
        }
        return out;
    }

    /** An integer or a list of integers; absent = empty. */
    public List<Integer> ints(String key) {
        JsonNode n = node(key);
        if (n == null) return List.of();
        if (n.isIntegralNumber()) return List.of(n.intValue());
        if (!n.isArray()) throw error(key, "is " + n + ", expected an integer or a list of integers");
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) throw error(key, "has element " + e + ", expected integers");
            out.add(e.intValue());
        }
        return out;
    }

    /** A list of names, one regex string, or "all-linear" (only where allowed); absent = null. */
    public Targets targets(String key, boolean exclude) {
        JsonNode n = node(key);
        if (n == null) return null;
        if (n.isTextual()) {
            if (n.textValue().equals(Targets.ALL_LINEAR)) {
                if (exclude) throw error(key, "cannot be \"all-linear\"");
                return new Targets.AllLinear();
            }
            try {
                return new Targets.Regex(n.textValue());
            } catch (java.util.regex.PatternSyntaxException e) {
                throw error(key, "is not a valid regular expression: " + e.getDescription());
            }
        }
        if (!n.isArray()) throw error(key, "is " + n + ", expected a list of module names or a regex string");
        List<String> names = strings(key);
        if (names.isEmpty()) return exclude ? null : new Targets.Names(List.of());
        return new Targets.Names(names);
    }

    public Map<String, Integer> intMap(String key) {
        Map<String, Integer> out = new LinkedHashMap<>();
        JsonNode n = node(key);
        if (n == null) return out;
        if (!n.isObject()) throw error(key, "is " + n + ", expected an object of module -> rank");
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            JsonNode v = e.getValue();
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() <= 0) throw error(key + "." + e.getKey(), "is " + v + ", expected a positive integer");
            out.put(e.getKey(), v.intValue());
        }
        return out;
    }

    public Map<String, Double> doubleMap(String key) {
        Map<String, Double> out = new LinkedHashMap<>();
        JsonNode n = node(key);
        if (n == null) return out;
        if (!n.isObject()) throw error(key, "is " + n + ", expected an object of module -> alpha");
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            if (!e.getValue().isNumber()) throw error(key + "." + e.getKey(), "is " + e.getValue() + ", expected a number");
            out.put(e.getKey(), e.getValue().doubleValue());
        }
        return out;
    }
}
