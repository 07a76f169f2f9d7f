package dev.tailor.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a training file into token rows: detects (or takes) the format, parses every row,
 * tokenises it with the completion mask, applies --max-length and drops rows with nothing to
 * learn. Every problem is found here, before training starts.
 */
public final class DatasetBuilder {

    /** What to do with a row longer than --max-length. */
    public enum Overlong { TRUNCATE, DROP }

    /**
     * @param format      the layout, or null to detect it from the first rows
     * @param maxLength   the longest row in tokens
     * @param vocabSize   the model's vocabulary: pre-tokenised ids must lie below it
     * @param skipBadRows turn a malformed row into a counted warning instead of an error
     */
    public record Options(DataFormat format, int maxLength, Overlong overlong, boolean trainOnPrompt, boolean skipBadRows, int vocabSize) {}

    /** The rows and what happened to the file's rows. */
    public record Result(List<TokenRow> rows, DataFormat format, DataReport report) {}

    static final int MAX_WARNINGS = 5;

    private DatasetBuilder() {}

    /** Builds the rows of {@code file}; {@code encoder} may be null for pre-tokenised data. */
    public static Result build(Path file, TextEncoder encoder, Options o) {
        if (file.getFileName().toString().endsWith(".txt")) return plainText(file, encoder, o);
        List<String> warnings = new ArrayList<>();
        int[] badLines = {0};
        List<JsonlReader.Row> raw = JsonlReader.read(file, e -> {
            if (!o.skipBadRows()) throw e;
            badLines[0]++;
            if (warnings.size() < MAX_WARNINGS) warnings.add(e.getMessage());
        });
        DataFormat format = o.format() != null ? o.format() : DataFormat.detect(file, raw);
        if (format != DataFormat.TOKENIZED && encoder == null) {
            throw new DataException(file + ": " + format.flag + " rows need a tokenizer (tokenizer.json in the model folder or --tokenizer)");
        }
        RowTokenizer tokenizer = new RowTokenizer(encoder, o.trainOnPrompt());
        List<TokenRow> rows = new ArrayList<>();
        int bad = badLines[0], truncated = 0, droppedLong = 0, noTarget = 0;
        for (JsonlReader.Row r : raw) {
            TokenRow row;
            try {
                row = tokenizer.tokenize(ExampleParser.parse(r, format));
                checkVocab(row, o.vocabSize());
            } catch (DataException e) {
                if (!o.skipBadRows()) throw e;
                bad++;
                if (warnings.size() < MAX_WARNINGS) warnings.add(e.getMessage());
                continue;
            }
            if (row.ids().length > o.maxLength()) {
                if (o.overlong() == Overlong.DROP) { droppedLong++; continue; }
                row = new TokenRow(Arrays.copyOf(row.ids(), o.maxLength()), Arrays.copyOf(row.labels(), o.maxLength()), row.where());
                truncated++;
            }
            if (row.countedTokens() == 0) { noTarget++; continue; }
            rows.add(row);
        }
        return new Result(rows, format, new DataReport(raw.size() + badLines[0], rows.size(), bad, truncated, droppedLong, noTarget, warnings));
    }

    /** A .txt file is one document, tokenised once and cut into --max-length windows, every token counted. */
    private static Result plainText(Path file, TextEncoder encoder, Options o) {
        if (encoder == null) throw new DataException(file + ": a .txt file needs a tokenizer");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DataException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        int[] prefix = encoder.prefixIds();
        int[] body = encoder.encode(text);
        int[] all = new int[prefix.length + body.length + 1];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(body, 0, all, prefix.length, body.length);
        all[all.length - 1] = encoder.eosId();
        List<TokenRow> rows = new ArrayList<>();
        int windows = 0, noTarget = 0;
        for (int from = 0; from < all.length; from += o.maxLength()) {
            int[] ids = Arrays.copyOfRange(all, from, Math.min(all.length, from + o.maxLength()));
            windows++;
            TokenRow row = new TokenRow(ids, ids.clone(), file + ":window " + windows);
            checkVocab(row, o.vocabSize());
            if (row.countedTokens() == 0) { noTarget++; continue; }
            rows.add(row);
        }
        return new Result(rows, DataFormat.TEXT, new DataReport(windows, rows.size(), 0, 0, 0, noTarget, List.of()));
    }

    private static void checkVocab(TokenRow row, int vocab) {
        int[] ids = row.ids(), labels = row.labels();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] >= vocab) {
                throw new DataException(row.where() + ": input_ids[" + i + "] = " + ids[i] + " is outside the model's vocabulary of " + vocab + " ids");
            }
            if (labels[i] >= vocab) {
                throw new DataException(row.where() + ": labels[" + i + "] = " + labels[i] + " is outside the model's vocabulary of " + vocab + " ids");
            }
        }
    }
}
