package dev.tailor.models;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Typed access to one JSON object of a config file. A JSON {@code null} counts as absent, as
 * transformers treats {@code None}; a value of the wrong type is refused with the file and the
 * full key path (e.g. {@code rope_scaling.factor}).
 */
record ConfigFields(Path file, String prefix, JsonNode object) {

    static ConfigFields root(Path file, JsonNode object) { return new ConfigFields(file, "", object); }

    /** The nested object under {@code key}, or null if absent; refused if not an object. */
    ConfigFields child(String key) {
        JsonNode n = node(key);
        if (n == null) return null;
        if (!n.isObject()) throw error(key, "is " + describe(n) + ", expected an object");
        return new ConfigFields(file, path(key) + ".", n);
    }

    /** The value under {@code key}, or null when absent or JSON null. */
    JsonNode node(String key) {
        JsonNode n = object.get(key);
        return n == null || n.isNull() ? null : n;
    }

    /** Whether the key is written at all, even as null (where null and absent differ). */
    boolean has(String key) { return object.has(key); }

    Integer intOrNull(String key) {
        JsonNode n = node(key);
        if (n == null) return null;
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw error(key, "is " + describe(n) + ", expected an integer");
        return n.intValue();
    }

    int intOr(String key, int fallback) {
        Integer v = intOrNull(key);
        return v == null ? fallback : v;
    }

    int requireInt(String key) {
        Integer v = intOrNull(key);
        if (v == null) throw error(key, "is missing");
        return v;
    }

    int requirePositive(String key) {
        int v = requireInt(key);
        if (v <= 0) throw error(key, "is " + v + ", expected a positive integer");
        return v;
    }

    double doubleOr(String key, double fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isNumber()) throw error(key, "is " + describe(n) + ", expected a number");
        return n.doubleValue();
    }

    double requireDouble(String key) {
        if (node(key) == null) throw error(key, "is missing");
        return doubleOr(key, Double.NaN);
    }

    boolean boolOr(String key, boolean fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isBoolean()) throw error(key, "is " + describe(n) + ", expected true or false");
        return n.booleanValue();
    }

    String stringOr(String key, String fallback) {
        JsonNode n = node(key);
        if (n == null) return fallback;
        if (!n.isTextual()) throw error(key, "is " + describe(n) + ", expected a string");
        return n.textValue();
    }

    String path(String key) { return prefix + key; }

    ConfigException error(String key, String what) { return new ConfigException(file + ": key '" + path(key) + "' " + what); }

    static String describe(JsonNode n) { return n + " (" + n.getNodeType().name().toLowerCase(Locale.ROOT) + ")"; }
}
