package dev.tailor.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The id/token tables of a tokenizer.json ({@code model.vocab} plus {@code added_tokens}),
 * read with Jackson's streaming parser: the native tokenizer offers no id-to-token lookup, and
 * a 33 MB vocabulary is cheap to stream but expensive to load as a tree.
 */
record Vocabulary(String[] tokens, Map<String, Integer> ids, Set<Integer> specialIds) {

    /** The token for {@code id}, or null when no token has that id. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** How many distinct ids the tokenizer can produce ({@code len(tokenizer)} in transformers). */
    int size() {
        return ids.size();
    }

    static Vocabulary parse(byte[] tokenizerJson, String where) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        Set<Integer> special = new HashSet<>();
        List<Map.Entry<String, Integer>> added = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(tokenizerJson)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, where, "a JSON object at the top level");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> readModel(p, ids, where);
                    case "added_tokens" -> readAdded(p, added, special, where);
                    default -> p.skipChildren();
                }
            }
        }
        for (Map.Entry<String, Integer> e : added) ids.put(e.getKey(), e.getValue());
        int maxId = ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        String[] tokens = new String[maxId + 1];
        ids.forEach((token, id) -> tokens[id] = token);
        return new Vocabulary(tokens, ids, special);
    }

    private static void readModel(JsonParser p, Map<String, Integer> ids, String where) throws IOException {
        expect(p.currentToken() == JsonToken.START_OBJECT, where, "\"model\" to be an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (!field.equals("vocab")) {
                p.skipChildren();
            } else if (t == JsonToken.START_OBJECT) {      // BPE, WordPiece, WordLevel: {"token": id}
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String token = p.currentName();
                    p.nextToken();
                    ids.put(token, p.getIntValue());
                }
            } else if (t == JsonToken.START_ARRAY) {       // Unigram: [["piece", score], ...], id = position
                int id = 0;
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    p.nextToken();
                    ids.put(p.getText(), id++);
                    while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
                }
            } else {
                throw new IOException(where + ": expected \"model.vocab\" to be an object or an array, found " + t);
            }
        }
    }

    private static void readAdded(JsonParser p, List<Map.Entry<String, Integer>> added, Set<Integer> special,
                                  String where) throws IOException {
        expect(p.currentToken() == JsonToken.START_ARRAY, where, "\"added_tokens\" to be an array");
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Integer id = null;
            String content = null;
            boolean isSpecial = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "id" -> id = p.getIntValue();
                    case "content" -> content = p.getText();
                    case "special" -> isSpecial = p.getBooleanValue();
                    default -> p.skipChildren();
                }
            }
            if (id == null || content == null) {
                throw new IOException(where + ": an entry of \"added_tokens\" lacks \"id\" or \"content\"");
            }
            added.add(Map.entry(content, id));
            if (isSpecial) special.add(id);
        }
    }

    private static void expect(boolean ok, String where, String what) throws IOException {
        if (!ok) throw new IOException(where + ": expected " + what);
    }
}
