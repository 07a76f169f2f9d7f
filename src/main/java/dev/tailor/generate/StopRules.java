package dev.tailor.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.models.ModelConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * When a sequence stops before its token budget: on any end-of-sequence id, or when its decoded
 * text comes to contain a stop string.
 *
 * @param eosIds      token ids that end a sequence
 * @param stopStrings texts that end a sequence (matched in the decoded text of the new tokens)
 */
public record StopRules(int[] eosIds, List<String> stopStrings) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public StopRules {
        eosIds = eosIds.clone();
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) if (s.isEmpty()) throw new IllegalArgumentException("a stop string must not be empty");
    }

    /** No stop rule: every sequence runs to its token budget. */
    public static StopRules none() { return new StopRules(new int[0], List.of()); }

    @Override public int[] eosIds() { return eosIds.clone(); }

    public boolean isEos(int token) {
        for (int id : eosIds) if (id == token) return true;
        return false;
    }

    /** Where the earliest stop string starts in {@code text}, or -1. */
    public int stopIndex(String text) {
        int best = -1;
        for (String s : stopStrings) {
            int at = text.indexOf(s);
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /** Length of the longest end of {@code text} that is a proper beginning of a stop string: text that must wait. */
    public int pendingStopPrefix(String text) {
        int longest = 0;
        for (String s : stopStrings) {
            for (int len = Math.min(s.length() - 1, text.length()); len > longest; len--) {
                if (text.regionMatches(text.length() - len, s, 0, len)) { longest = len; break; }
            }
        }
        return longest;
    }

    /**
     * Every end-of-sequence id the model declares, as transformers' generate collects them:
     * config.json's eos_token_id (an int or a list) and, when the folder has one,
     * generation_config.json's eos_token_id.
     */
    public static int[] eosIds(Path modelDir, ModelConfig config) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : config.eosTokenIds()) ids.add(id);
        Path gen = modelDir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) ids.addAll(readEos(gen));
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    private static List<Integer> readEos(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read or parse as JSON: " + e.getMessage(), e);
        }
        JsonNode n = root == null ? null : root.get("eos_token_id");
        if (n == null || n.isNull()) return List.of();
        JsonNode[] values = n.isArray() ? toArray(n) : new JsonNode[] {n};
        Integer[] out = new Integer[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!values[i].isIntegralNumber() || !values[i].canConvertToInt() || values[i].intValue() < 0) {
                throw new IllegalArgumentException(file + ": eos_token_id" + (n.isArray() ? "[" + i + "]" : "") + " is " + values[i]
                        + ", expected a non-negative integer (or a list of them)");
            }
            out[i] = values[i].intValue();
        }
        return Arrays.asList(out);
    }

    private static JsonNode[] toArray(JsonNode array) {
        JsonNode[] out = new JsonNode[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i);
        return out;
    }
}
