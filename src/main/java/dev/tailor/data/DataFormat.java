package dev.tailor.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * The layouts of a training file, told apart by the keys of its rows. {@link #detect} looks at the
 * first rows; {@code --format} overrides it.
 */
public enum DataFormat {
    /** {"instruction", "input"?, "output", "system"?} */
    ALPACA("alpaca"),
    /** {"conversations": [{"from": "human"|"gpt"|"system", "value"}]} */
    SHAREGPT("sharegpt"),
    /** {"messages": [{"role": "system"|"user"|"assistant", "content"}]} */
    CHAT("chat"),
    /** {"prompt", "completion"} */
    PROMPT_COMPLETION("prompt-completion"),
    /** {"text"} (or a .txt file): continued pre-training, every token counts */
    TEXT("text"),
    /** {"input_ids", "labels"?} */
    TOKENIZED("tokenized");

    /** How many leading rows {@link #detect} reads. */
    static final int DETECT_ROWS = 5;

    public final String flag;

    DataFormat(String flag) { this.flag = flag; }

    /** The format named by {@code --format}. */
    public static DataFormat parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (DataFormat f : values()) if (f.flag.equals(n) || f.name().equalsIgnoreCase(n)) return f;
        throw new DataException("--format must be one of " + flags() + ", got '" + name + "'");
    }

    public static List<String> flags() {
        List<String> out = new ArrayList<>();
        for (DataFormat f : values()) out.add(f.flag);
        return out;
    }

    /**
     * The format of the first rows of {@code file}; those that can be told apart must agree. A row
     * that fits no format is left for the parser to report (with the field it lacks) when another
     * row decides the format.
     */
    public static DataFormat detect(Path file, List<JsonlReader.Row> rows) {
        if (rows.isEmpty()) throw new DataException(file + ": no rows to train on");
        DataFormat found = null;
        DataException unknown = null;
        for (JsonlReader.Row row : rows.subList(0, Math.min(DETECT_ROWS, rows.size()))) {
            DataFormat f;
            try {
                f = of(row);
            } catch (DataException e) {
                if (unknown == null) unknown = e;
                continue;
            }
            if (found != null && f != found) {
                throw new DataException(row.where() + ": row looks like " + f.flag + " but the rows before it look like "
                        + found.flag + "; pass --format to choose");
            }
            found = f;
        }
        if (found == null) throw unknown;
        return found;
    }

    private static DataFormat of(JsonlReader.Row row) {
        var j = row.json();
        if (j.has("input_ids")) return TOKENIZED;
        if (j.has("conversations")) return SHAREGPT;
        if (j.has("messages")) return CHAT;
        if (j.has("instruction") && j.has("output")) return ALPACA;
        if (j.has("prompt") && j.has("completion")) return PROMPT_COMPLETION;
        if (j.has("text")) return TEXT;
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = j.fieldNames(); it.hasNext(); ) keys.add(it.next());
        throw new DataException(row.where() + ": cannot tell the data format from the keys " + keys
                + "; expected input_ids (tokenized), conversations (sharegpt), messages (chat), instruction+output (alpaca), "
                + "prompt+completion or text; pass --format to choose");
    }
}
