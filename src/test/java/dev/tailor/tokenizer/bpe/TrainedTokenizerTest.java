package dev.tailor.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tailor.tokenizer.ChatTemplate;
import dev.tailor.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trained tokenizer, written as tokenizer.json + tokenizer_config.json, loaded by the
 * tokenizers library itself (through {@link Tokenizer}): any text round-trips, special tokens are
 * single ids, the roles and the ChatML template work; and the committed demo tokenizer is what
 * the trainer makes from Tiny Shakespeare and the demo training rows.
 */
class TrainedTokenizerTest {

    private static final List<String> CHAT = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>");

    @TempDir static Path dir;
    private static Tokenizer tok;

    @BeforeAll
    static void trainOnGoldenCorpus() throws IOException {
        WordCounts counts = new WordCounts(CHAT);
        try (InputStream in = TrainedTokenizerTest.class.getResourceAsStream("/bpe/golden_corpus.txt")) {
            counts.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        TokenizerFiles.write(dir, BpeTrainer.train(counts, 700, CHAT), TokenizerFiles.Roles.defaults(CHAT));
        tok = Tokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    private static void assertRoundTrip(Tokenizer t, String text) {
        int[] ids = t.encode(text, false);
        assertEquals(text, t.decode(ids, false), () -> "round trip of " + escape(text));
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(c < 0x20 || c > 0x7E ? String.format("\\u{%x}", c) : Character.toString(c)));
        return b.toString();
    }

    @Test
    void loadsWithTheExactVocabSizeAndSpecialIds() {
        assertEquals(700, tok.vocabSize());
        assertEquals(0, tok.tokenId("<|endoftext|>"));
        assertEquals(1, tok.tokenId("<|im_start|>"));
        assertEquals(2, tok.tokenId("<|im_end|>"));
        assertTrue(tok.isSpecial(1) && tok.isSpecial(2) && !tok.isSpecial(3));
        assertEquals(Optional.of("<|endoftext|>"), tok.bosToken());
        assertEquals(Optional.of("<|im_end|>"), tok.eosToken());
        assertEquals(Optional.of("<|endoftext|>"), tok.padToken());
        assertArrayEquals(new int[] {2}, tok.eosTokenIds());
    }

    @Test
    void handPickedTextsRoundTrip() {
        for (String text : List.of("To be, or not to be: that is the question.", "",
                "  leading and trailing  \n\n\ttabs\r\nCRLF\r\n", "Gr\u00fc\u00dfe, \u6771\u4eac, \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac",
                "\ud83d\ude42\ud83d\ude80\ud83d\udc4d\ud83c\udffd", "e\u0301 vs \u00e9", "it's we're I'm 3.14159 ...!!! ?",
                "bell\u0007 del\u007f nbsp\u00a0 soft\u00ad hyphen", "<|im_start", "<|im_end|>x<|im_start|>")) {
            assertRoundTrip(tok, text);
        }
    }

    /** 300 strings of random code points from ASCII, Latin-1, Greek, CJK, emoji and whitespace. */
    @Test
    void randomTextRoundTrips() {
        int[][] ranges = {{0x20, 0x7E}, {0x09, 0x0D}, {0xA0, 0xFF}, {0x370, 0x3FF}, {0x4E00, 0x4FFF}, {0x1F300, 0x1F6FF},
                {0x2000, 0x206F}, {0x0300, 0x036F}};
        Random rnd = new Random(42);
        for (int i = 0; i < 300; i++) {
            StringBuilder s = new StringBuilder();
            int n = 1 + rnd.nextInt(40);
            for (int k = 0; k < n; k++) {
                int[] r = ranges[rnd.nextInt(ranges.length)];
                s.appendCodePoint(r[0] + rnd.nextInt(r[1] - r[0] + 1));
            }
            assertRoundTrip(tok, s.toString());
        }
    }

    @Test
    void specialTokensInTextAreSingleIds() {
        String chat = "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n";
        int[] ids = tok.encode(chat, false);
        assertEquals(1, ids[0]);
        assertEquals(3, java.util.Arrays.stream(ids).filter(id -> id == 1 || id == 2).count());
        assertEquals(chat, tok.decode(ids, false));
        assertEquals("user\nhello\nassistant\n", tok.decode(ids, true));
    }

    @Test
    void chatTemplateRendersChatMl() throws IOException {
        ChatTemplate t = ChatTemplate.load(dir);
        List<Map<String, String>> convo = List.of(Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Say the word moon."));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nSay the word moon.<|im_end|>\n"
                + "<|im_start|>assistant\n", t.render(convo, true));
        List<Map<String, String>> answered = List.of(Map.of("role", "user", "content", "Repeat sun twice."),
                Map.of("role", "assistant", "content", "sun sun"));
        assertEquals("<|im_start|>user\nRepeat sun twice.<|im_end|>\n<|im_start|>assistant\nsun sun<|im_end|>\n",
                t.render(answered, false));
    }

    @Test
    void noChatTemplateWithoutChatMlTokens() throws IOException {
        Path plain = dir.resolve("plain");
        WordCounts counts = new WordCounts(List.of("<|endoftext|>"));
        counts.add("hug hug hug pug pug bun");
        TokenizerFiles.write(plain, BpeTrainer.train(counts, 262, List.of("<|endoftext|>")),
                TokenizerFiles.Roles.defaults(List.of("<|endoftext|>")));
        assertTrue(!Files.readString(plain.resolve("tokenizer_config.json")).contains("chat_template"));
        try (Tokenizer t = Tokenizer.load(plain)) {
            assertEquals(Optional.of("<|endoftext|>"), t.eosToken());
            // ids: 0 the special token, 1..256 the bytes, then ug, hug, pug, Ġhug, Ġpug (257..261)
            assertArrayEquals(new int[] {258, 261}, t.encode("hug pug", false));
        }
    }

    /** The committed demo tokenizer equals a fresh training run with the command's inputs. */
    @Test
    void committedDemoTokenizerIsReproducible() throws IOException, URISyntaxException {
        Path demo = Path.of(TrainedTokenizerTest.class.getResource("/demo/tokenizer/tokenizer.json").toURI()).getParent();
        Path train = demo.getParent().resolve("train.jsonl");
        Path corpus = dir.resolve("input.txt");
        try (InputStream in = new GZIPInputStream(TrainedTokenizerTest.class.getResourceAsStream("/demo/tinyshakespeare.txt.gz"))) {
            Files.write(corpus, in.readAllBytes());
        }
        WordCounts counts = new WordCounts(CHAT);
        TrainingText.add(corpus, counts);
        TrainingText.add(train, counts);
        Path again = dir.resolve("again");
        TokenizerFiles.write(again, BpeTrainer.train(counts, 4096, CHAT), TokenizerFiles.Roles.defaults(CHAT));
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertEquals(Files.readString(demo.resolve(f)), Files.readString(again.resolve(f)), f + " differs from a fresh run");
        }
        try (Tokenizer t = Tokenizer.load(demo)) {
            assertEquals(4096, t.vocabSize());
            assertRoundTrip(t, "<|im_start|>user\nWrite patience in capital letters.<|im_end|>\n<|im_start|>assistant\nPATIENCE");
            assertRoundTrip(t, "ROMEO:\nBut, soft! what light through yonder window breaks?\n\n\u00e9t\u00e9 \ud83d\ude42");
            assertEquals(List.of("<|im_start|>", "user", "\u010a", "Say", "\u0120the", "\u0120word", "\u0120king", "."),
                    List.of(t.tokens(t.encode("<|im_start|>user\nSay the word king.", false))));
        }
    }
}
