package dev.tailor.tokenizer.bpe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.JsonlReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Feeds training files to a {@link WordCounts}. A plain-text file is read as one document (in
 * pieces of about a million characters, cut after a newline, so huge files need little memory).
 * A {@code .jsonl} or {@code .json} file holds rows with {@code "text"} (one document) or
 * {@code "messages"} (a conversation): each message counts as {@code role + "\n" + content} plus
 * the {@code "\n"} after it, which is exactly the text a ChatML template puts between its
 * special tokens, so chat data trains the tokens the chat format will need.
 */
public final class TrainingText {

    private static final int PIECE_CHARS = 1 << 20;

    private TrainingText() {}

    /** Adds every document of {@code file} to {@code counts}. */
    public static void add(Path file, WordCounts counts) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            addRows(file, counts);
        } else {
            addPlain(file, counts);
        }
    }

    private static void addPlain(Path file, WordCounts counts) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file + ": no such file");
        char[] buf = new char[PIECE_CHARS];
        StringBuilder carry = new StringBuilder();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                carry.append(buf, 0, n);
                if (carry.length() < PIECE_CHARS) continue;
                int cut = carry.lastIndexOf("\n") + 1;   // the text after the last newline waits for more
                if (cut == 0) cut = carry.length();
                counts.add(carry.subSequence(0, cut));
                carry.delete(0, cut);
            }
        } catch (CharacterCodingException e) {
            throw new IOException(file + ": not valid UTF-8 text (" + e.getMessage() + ")", e);
        }
        if (!carry.isEmpty()) counts.add(carry);
    }

    private static void addRows(Path file, WordCounts counts) {
        for (JsonlReader.Row row : JsonlReader.read(file)) {
            JsonNode json = row.json();
            if (json.has("messages")) {
                JsonNode messages = row.require("messages");
                if (!messages.isArray()) throw new DataException(row.where() + ": field 'messages' must be an array");
                for (int i = 0; i < messages.size(); i++) {
                    JsonNode m = messages.get(i);
                    counts.add(text(m, "role", row, i) + "\n" + text(m, "content", row, i));
                    counts.add("\n");
                }
            } else if (json.has("text")) {
                counts.add(row.requireText("text"));
            } else {
                throw new DataException(row.where() + ": expected a field 'text' or 'messages' to train the tokenizer on");
            }
        }
    }

    private static String text(JsonNode message, String field, JsonlReader.Row row, int index) {
        JsonNode n = message.get(field);
        if (n == null || !n.isTextual()) {
            throw new DataException(row.where() + ": messages[" + index + "]." + field + " must be a string, found "
                    + (n == null ? "nothing" : n.getNodeType().name().toLowerCase()));
        }
        return n.asText();
    }
}
