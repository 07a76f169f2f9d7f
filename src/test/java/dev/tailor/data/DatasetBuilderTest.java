package dev.tailor.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetBuilderTest {

    static final int X = TokenRow.IGNORE, EOS = Gpt2Encoder.EOS;
    static final TextEncoder GPT2 = new Gpt2Encoder(null);

    @TempDir Path dir;

    static DatasetBuilder.Options opts(DataFormat f, int maxLen, DatasetBuilder.Overlong o, boolean skip) {
        return new DatasetBuilder.Options(f, maxLen, o, false, skip, 50257);
    }

    Path write(String name, String... lines) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, String.join("\n", lines) + "\n");
        return p;
    }

    static Path resource(String name) throws URISyntaxException { return Path.of(DatasetBuilderTest.class.getResource("/train/" + name).toURI()); }

    @Test
    void detectsEveryFormat() throws IOException {
        String[][] cases = {
                {"{\"instruction\": \"Greet.\", \"input\": \"\", \"output\": \"Hello, world!\"}", "ALPACA"},
                {"{\"conversations\": [{\"from\": \"human\", \"value\": \"Hi\"}, {\"from\": \"gpt\", \"value\": \"Hello, world!\"}]}", "SHAREGPT"},
                {"{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello, world!\"}]}", "CHAT"},
                {"{\"prompt\": \"Hello,\", \"completion\": \" world!\"}", "PROMPT_COMPLETION"},
                {"{\"text\": \"Hello, world!\"}", "TEXT"},
                {"{\"input_ids\": [15496, 11, 995, 0]}", "TOKENIZED"},
        };
        for (String[] c : cases) {
            Path p = write(c[1] + ".jsonl", c[0], c[0]);
            DatasetBuilder.Result r = DatasetBuilder.build(p, GPT2, opts(null, 512, DatasetBuilder.Overlong.TRUNCATE, false));
            assertEquals(DataFormat.valueOf(c[1]), r.format(), c[1]);
            assertEquals(2, r.rows().size(), c[1]);
            // Every format's counted labels end with " world!" (995, 0), then EOS unless pre-tokenised.
            int[] counted = java.util.Arrays.stream(r.rows().get(0).labels()).filter(l -> l != X).toArray();
            int[] tail = c[1].equals("TOKENIZED") ? new int[] {15496, 11, 995, 0} : new int[] {995, 0, EOS};
            assertArrayEquals(tail, java.util.Arrays.copyOfRange(counted, counted.length - tail.length, counted.length), c[1]);
        }
    }

    @Test
    void formatFlagOverridesDetection() throws IOException {
        Path p = write("a.jsonl", "{\"text\": \"Hello,\", \"prompt\": \"Hello,\", \"completion\": \" world!\"}");
        assertEquals(DataFormat.PROMPT_COMPLETION, DatasetBuilder.build(p, GPT2, opts(null, 64, DatasetBuilder.Overlong.TRUNCATE, false)).format());
        DatasetBuilder.Result r = DatasetBuilder.build(p, GPT2, opts(DataFormat.parse("text"), 64, DatasetBuilder.Overlong.TRUNCATE, false));
        assertArrayEquals(new int[] {15496, 11, EOS}, r.rows().get(0).labels());
        DataException e = assertThrows(DataException.class, () -> DataFormat.parse("csv"));
        assertEquals("--format must be one of [alpaca, sharegpt, chat, prompt-completion, text, tokenized], got 'csv'", e.getMessage());
    }

    @Test
    void fixtureFilesLoad() throws Exception {
        DatasetBuilder.Result a = DatasetBuilder.build(resource("alpaca_en_demo_4.json"), GPT2, opts(null, 2048, DatasetBuilder.Overlong.TRUNCATE, false));
        assertEquals(DataFormat.ALPACA, a.format());
        assertEquals(4, a.rows().size());
        DatasetBuilder.Result s = DatasetBuilder.build(resource("sharegpt_dummy_3.json"), GPT2, opts(null, 2048, DatasetBuilder.Overlong.TRUNCATE, false));
        assertEquals(DataFormat.SHAREGPT, s.format());
        assertEquals(3, s.rows().size());
        DatasetBuilder.Result t = DatasetBuilder.build(resource("tinyshakespeare_2k.txt"), GPT2, opts(null, 128, DatasetBuilder.Overlong.TRUNCATE, false));
        assertEquals(DataFormat.TEXT, t.format());
        for (int i = 0; i < t.rows().size() - 1; i++) assertEquals(128, t.rows().get(i).ids().length);
        assertEquals(EOS, t.rows().getLast().ids()[t.rows().getLast().ids().length - 1]);
    }

    @Test
    void overlongRowsAreTruncatedOrDroppedAndCounted() throws IOException {
        Path p = write("a.jsonl", "{\"prompt\": \"Hello,\", \"completion\": \" world!\"}",
                "{\"prompt\": \"The quick brown fox jumps over the lazy\", \"completion\": \" dog.\"}");
        DatasetBuilder.Result t = DatasetBuilder.build(p, GPT2, opts(null, 5, DatasetBuilder.Overlong.TRUNCATE, false));
        // Row 2 (9 prompt tokens) truncated to 5 prompt tokens has no counted token left: dropped.
        assertEquals(new DataReport(2, 1, 0, 1, 0, 1, java.util.List.of()), t.report());
        DatasetBuilder.Result d = DatasetBuilder.build(p, GPT2, opts(null, 5, DatasetBuilder.Overlong.DROP, false));
        assertEquals(new DataReport(2, 1, 0, 0, 1, 0, java.util.List.of()), d.report());
        assertEquals("2 rows: 1 kept, 1 dropped as longer than --max-length", d.report().summary());
        DatasetBuilder.Result k = DatasetBuilder.build(p, GPT2, opts(null, 4, DatasetBuilder.Overlong.TRUNCATE, false));
        assertArrayEquals(new int[] {X, X, 995, 0}, k.rows().get(0).labels());
    }

    @Test
    void rowsWithoutCountedTokensAreDropped() throws IOException {
        Path p = write("a.jsonl", "{\"input_ids\": [1, 2, 3], \"labels\": [-100, -100, -100]}", "{\"input_ids\": [1, 2], \"labels\": [-100, 2]}");
        DatasetBuilder.Result r = DatasetBuilder.build(p, null, opts(null, 16, DatasetBuilder.Overlong.TRUNCATE, false));
        assertEquals(1, r.rows().size());
        assertEquals(1, r.report().droppedNoTarget());
    }

    @Test
    void badRowsStopTheBuildNamingFileLineAndField() throws IOException {
        String good = "{\"instruction\": \"a\", \"output\": \"b\"}";
        assertRefused("a.jsonl:2: missing field 'output'", good, "{\"instruction\": \"a\"}");
        assertRefused("a.jsonl:2: field 'output' must be a string, found number", good, "{\"instruction\": \"a\", \"output\": 3}");
        assertRefused("a.jsonl:2: not valid JSON", good, "{\"instruction\": ");
        assertRefused("a.jsonl:1: cannot tell the data format from the keys [question, answer]", "{\"question\": 1, \"answer\": 2}");
        assertRefused("a.jsonl:2: row looks like text but the rows before it look like alpaca", good, "{\"text\": \"x\"}");
        String sg = "{\"conversations\": [{\"from\": \"human\", \"value\": \"Hi\"}, {\"from\": \"bot\", \"value\": \"x\"}]}";
        assertRefused("a.jsonl:1: conversations[1].from is 'bot', expected one of human, gpt, system", sg);
        assertRefused("a.jsonl:1: conversations[0]: missing field 'value'", "{\"conversations\": [{\"from\": \"human\"}]}");
        assertRefused("a.jsonl:1: field 'messages' has no assistant turn to learn from", "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
        assertRefused("a.jsonl:1: messages[0].content must be a string, found array", "{\"messages\": [{\"role\": \"user\", \"content\": []}]}");
        assertRefused("a.jsonl:1: field 'messages' must be a list of turns, found string", "{\"messages\": \"hi\"}");
        assertRefused("a.jsonl:1: input_ids[1] must be an integer token id, found \"x\"", "{\"input_ids\": [1, \"x\"]}");
        assertRefused("a.jsonl:1: input_ids[0] is -100, expected a token id >= 0", "{\"input_ids\": [-100, 1]}");
        assertRefused("a.jsonl:1: field 'labels' has 1 entries but 'input_ids' has 2", "{\"input_ids\": [1, 2], \"labels\": [1]}");
        assertRefused("a.jsonl:1: input_ids[1] = 60000 is outside the model's vocabulary of 50257 ids", "{\"input_ids\": [1, 60000]}");
    }

    private void assertRefused(String expectedPrefix, String... lines) throws IOException {
        Path p = write("a.jsonl", lines);
        DataException e = assertThrows(DataException.class, () -> DatasetBuilder.build(p, GPT2, opts(null, 64, DatasetBuilder.Overlong.TRUNCATE, false)));
        assertEquals(expectedPrefix, e.getMessage().replace(dir.toString() + "/", "").substring(0, Math.min(expectedPrefix.length(), e.getMessage().replace(dir.toString() + "/", "").length())));
    }

    @Test
    void skipBadRowsCountsAndWarns() throws IOException {
        Path p = write("a.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}", "{\"instruction\": \"a\"}", "not json",
                "{\"instruction\": \"c\", \"output\": \"d\"}");
        DatasetBuilder.Result r = DatasetBuilder.build(p, GPT2, opts(DataFormat.ALPACA, 64, DatasetBuilder.Overlong.TRUNCATE, true));
        assertEquals(2, r.rows().size());
        assertEquals(2, r.report().bad());
        assertEquals(4, r.report().read());
        assertEquals(2, r.report().warnings().size());
        assertEquals(true, r.report().warnings().contains(p + ":2: missing field 'output'"), r.report().warnings().toString());
        assertEquals(true, r.report().warnings().stream().anyMatch(w -> w.startsWith(p + ":3: not valid JSON")), r.report().warnings().toString());
        assertEquals("4 rows: 2 kept, 2 bad rows skipped", r.report().summary());
    }

    @Test
    void textRowsNeedATokenizer() throws IOException {
        Path p = write("a.jsonl", "{\"text\": \"x\"}");
        DataException e = assertThrows(DataException.class, () -> DatasetBuilder.build(p, null, opts(null, 64, DatasetBuilder.Overlong.TRUNCATE, false)));
        assertEquals(p + ": text rows need a tokenizer (tokenizer.json in the model folder or --tokenizer)", e.getMessage());
    }
}
