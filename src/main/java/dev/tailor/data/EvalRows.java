package dev.tailor.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Rows for loss evaluation: {@code {"text": ...}} (tokenised with special tokens, every token
 * counted) or pre-tokenised {@code {"input_ids": [...], "labels": [...]}} (labels optional, -100
 * ignored).
 */
public final class EvalRows {

    private EvalRows() {}

    /** Reads every row; the tokenizer is only loaded if a text row needs it. */
    public static List<TokenRow> read(Path file, Supplier<Tokenizer> tokenizer) {
        List<TokenRow> out = new ArrayList<>();
        for (JsonlReader.Row row : JsonlReader.read(file)) {
            JsonNode json = row.json();
            if (json.has("input_ids")) {
                int[] ids = intArray(row, "input_ids");
                int[] labels = json.has("labels") && !json.get("labels").isNull() ? intArray(row, "labels") : ids.clone();
                out.add(new TokenRow(ids, labels, row.where()));
            } else if (json.has("text")) {
                int[] ids = tokenizer.get().encode(row.requireText("text"), true);
                out.add(new TokenRow(ids, ids.clone(), row.where()));
            } else {
                throw new DataException(row.where() + ": expected a field 'text' or 'input_ids', found " + fieldNames(json));
            }
        }
        if (out.isEmpty()) throw new DataException(file + ": no rows");
        return out;
    }

    static int[] intArray(JsonlReader.Row row, String field) {
        JsonNode n = row.require(field);
        if (!n.isArray()) throw new DataException(row.where() + ": field '" + field + "' must be an array of integers");
        int[] v = new int[n.size()];
        for (int i = 0; i < v.length; i++) {
            if (!n.get(i).canConvertToInt() || !n.get(i).isIntegralNumber()) {
                throw new DataException(row.where() + ": field '" + field + "' element " + i + " is not an integer: " + n.get(i));
            }
            v[i] = n.get(i).intValue();
        }
        return v;
    }

    private static List<String> fieldNames(JsonNode json) {
        List<String> names = new ArrayList<>();
        json.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
