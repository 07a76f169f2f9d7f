package dev.tailor.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tailor.data.DataException;
import dev.tailor.data.DataFormat;
import dev.tailor.data.Example;
import dev.tailor.data.ExampleParser;
import dev.tailor.data.JsonlReader;
import dev.tailor.data.RowTokenizer;
import dev.tailor.data.TextEncoder;
import dev.tailor.data.TokenRow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * One eval row as the generation metrics and multiple-choice accuracy see it: the prompt the model
 * continues, the references its continuation is compared with, and the choices when it has them.
 *
 * <p>Rows are read by their keys, one row at a time:
 * <ul>
 *   <li>{@code {"prompt" or "question", "choices", "answer"}}: a multiple-choice row; its reference is the right choice;</li>
 *   <li>{@code {"prompt", "reference" | "references" | "completion" | "output" | "answer"}}: a reference is a string or a list of strings;</li>
 *   <li>{@code {"messages"}} / {@code {"conversations"}}: the reference is the last turn when it is the assistant's;</li>
 *   <li>{@code {"instruction", "input"?, "output"}}: Alpaca, the reference is the output;</li>
 *   <li>{@code {"text"}} and {@code {"input_ids"}} rows have no reference.</li>
 * </ul>
 * The prompt ids are built exactly as training builds the row (chat template or Alpaca prompt,
 * BOS): they are the row's ids before its last completion, so a model is asked what it was
 * trained to answer.
 *
 * @param prompt     (T) prompt token ids, or null when the row has no reference
 * @param tokens     the whole row (prompt and reference) with training's completion mask, for the loss; null without a reference
 * @param references what a continuation is compared with; empty when the row has none
 * @param choice     the multiple-choice question, or null
 * @param where      file:line
 */
public record ReferenceRow(int[] prompt, TokenRow tokens, List<String> references, ChoiceRow choice, String where) {

    /** Fields that hold a prompt row's reference, in the order they are looked for. */
    public static final List<String> REFERENCE_FIELDS = List.of("reference", "references", "completion", "output", "answer");

    public ReferenceRow {
        references = List.copyOf(references);
    }

    public boolean hasReference() { return !references.isEmpty(); }

    /** Every row of {@code file}; {@code encoder} tokenises prompts as training does. */
    public static List<ReferenceRow> read(Path file, TextEncoder encoder) {
        List<JsonlReader.Row> rows = JsonlReader.read(file);
        if (rows.isEmpty()) throw new DataException(file + ": no rows");
        RowTokenizer tokenizer = new RowTokenizer(encoder, false);
        List<ReferenceRow> out = new ArrayList<>(rows.size());
        for (JsonlReader.Row row : rows) out.add(parse(row, tokenizer));
        return out;
    }

    static ReferenceRow parse(JsonlReader.Row row, RowTokenizer tokenizer) {
        JsonNode j = row.json();
        if (j.has("choices")) {
            ChoiceRow c = ChoiceRow.parse(row);
            String answer = c.choices().get(c.answer());
            return withPrompt(new Example.Completion(c.prompt(), answer, row.where()), List.of(answer), c, tokenizer);
        }
        if (j.has("messages") || j.has("conversations")) {
            boolean chat = j.has("messages");
            JsonNode turns = row.require(chat ? "messages" : "conversations");
            if (!turns.isArray() || turns.isEmpty() || !endsWithAssistant(turns.get(turns.size() - 1), chat)) return none(row);
            Example.Chat example = (Example.Chat) ExampleParser.parse(row, chat ? DataFormat.CHAT : DataFormat.SHAREGPT);
            return withPrompt(example, List.of(example.messages().getLast().content()), null, tokenizer);
        }
        if (j.has("instruction")) {
            if (!j.has("output")) return none(row);
            Example.Instruction example = (Example.Instruction) ExampleParser.parse(row, DataFormat.ALPACA);
            return withPrompt(example, List.of(example.output()), null, tokenizer);
        }
        if (j.has("prompt")) {
            String prompt = row.requireText("prompt");
            List<String> refs = references(row);
            if (refs.isEmpty()) return none(row);
            return withPrompt(new Example.Completion(prompt, refs.getFirst(), row.where()), refs, null, tokenizer);
        }
        if (j.has("text") || j.has("input_ids")) return none(row);
        throw new DataException(row.where() + ": cannot tell what to evaluate from the keys " + keys(j) + "; expected prompt + reference, "
                + "prompt + choices + answer, messages, conversations, instruction + output, text or input_ids");
    }

    /** The reference strings of a prompt row (empty when it has no reference field). */
    private static List<String> references(JsonlReader.Row row) {
        for (String field : REFERENCE_FIELDS) {
            JsonNode n = row.json().get(field);
            if (n == null || n.isNull()) continue;
            List<String> out = new ArrayList<>();
            if (n.isTextual()) {
                out.add(n.asText());
            } else if (n.isArray() && !n.isEmpty()) {
                for (int i = 0; i < n.size(); i++) {
                    if (!n.get(i).isTextual()) throw new DataException(row.where() + ": " + field + "[" + i + "] must be a string, found " + n.get(i));
                    out.add(n.get(i).asText());
                }
            } else {
                throw new DataException(row.where() + ": field '" + field + "' must be a string or a non-empty list of strings, found " + n);
            }
            return out;
        }
        return List.of();
    }

    /** The row tokenised as training would; the prompt is everything before its last completion. */
    private static ReferenceRow withPrompt(Example example, List<String> refs, ChoiceRow choice, RowTokenizer tokenizer) {
        TokenRow t = tokenizer.tokenize(example);
        int[] labels = t.labels();
        int end = labels.length;
        while (end > 0 && labels[end - 1] == TokenRow.IGNORE) end--;
        if (end == 0) throw new DataException(example.where() + ": the reference is empty; a generation metric needs text to compare with");
        int start = end;
        while (start > 0 && labels[start - 1] != TokenRow.IGNORE) start--;
        if (start == 0) throw new DataException(example.where() + ": the prompt encodes to no tokens");
        return new ReferenceRow(Arrays.copyOf(t.ids(), start), t, refs, choice, example.where());
    }

    private static ReferenceRow none(JsonlReader.Row row) { return new ReferenceRow(null, null, List.of(), null, row.where()); }

    private static boolean endsWithAssistant(JsonNode turn, boolean chat) {
        JsonNode role = turn.get(chat ? "role" : "from");
        if (role == null || !role.isTextual()) return false;
        String r = role.asText().toLowerCase(Locale.ROOT);
        return chat ? r.equals("assistant") : r.equals("gpt") || r.equals("assistant") || r.equals("chatgpt");
    }

    private static List<String> keys(JsonNode j) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
