package dev.tailor.data;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Masks checked by hand on the GPT-2 tokenizer. Ids come from the tokenizer's golden file
 * (fixtures/tokenizers/gpt2/goldens.jsonl: "Hello, world!" = 15496 11 995 0; "The quick brown fox
 * jumps over the lazy dog." = 464 2068 7586 21831 18045 625 262 16931 3290 13) and the vocabulary
 * ("\n" = 198, "<|endoftext|>" = 50256).
 */
class RowTokenizerTest {

    static final int X = TokenRow.IGNORE, EOS = Gpt2Encoder.EOS, NL = 198;

    /** A ChatML template written out in Java (what Qwen's Jinja template renders for these roles). */
    static final ChatRenderer CHATML = (messages, gen) -> {
        StringBuilder sb = new StringBuilder();
        for (Map<String, String> m : messages) sb.append("<|im_start|>").append(m.get("role")).append('\n').append(m.get("content")).append("<|im_end|>\n");
        if (gen) sb.append("<|im_start|>assistant\n");
        return sb.toString();
    };

    @Test
    void promptCompletionCountsCompletionAndEos() {
        TokenRow r = new RowTokenizer(new Gpt2Encoder(null), false).tokenize(new Example.Completion("Hello,", " world!", "f:1"));
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS}, r.ids());
        assertArrayEquals(new int[] {X, X, 995, 0, EOS}, r.labels());
    }

    @Test
    void trainOnPromptCountsEverything() {
        TokenRow r = new RowTokenizer(new Gpt2Encoder(null), true).tokenize(new Example.Completion("Hello,", " world!", "f:1"));
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS}, r.labels());
    }

    @Test
    void textCountsEveryTokenAndEos() {
        TokenRow r = new RowTokenizer(new Gpt2Encoder(null), false).tokenize(new Example.Text("The quick brown fox jumps over the lazy dog.", "f:1"));
        assertArrayEquals(new int[] {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, EOS}, r.ids());
        assertArrayEquals(r.ids(), r.labels());
    }

    @Test
    void completionEndingInEosGetsNoSecondEos() {
        TokenRow r = new RowTokenizer(new Gpt2Encoder(null), false).tokenize(new Example.Completion("Hello,", " world!<|endoftext|>", "f:1"));
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS}, r.ids());
        assertArrayEquals(new int[] {X, X, 995, 0, EOS}, r.labels());
    }

    @Test
    void alpacaWithoutTemplateUsesAlpacaPrompt() {
        RowTokenizer tok = new RowTokenizer(new Gpt2Encoder(null), false);
        TokenRow r = tok.tokenize(new Example.Instruction("", "Greet.", "", "Hello, world!", "f:1"));
        int[] prompt = new Gpt2Encoder(null).encode(AlpacaPrompt.prompt("", "Greet.", ""));
        assertTrue(AlpacaPrompt.prompt("", "Greet.", "").endsWith("### Response:\n"));
        assertEquals(prompt.length + 5, r.ids().length);
        int n = prompt.length;
        for (int i = 0; i < n; i++) assertEquals(X, r.labels()[i], "prompt token " + i);
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS}, java.util.Arrays.copyOfRange(r.ids(), n, n + 5));
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS}, java.util.Arrays.copyOfRange(r.labels(), n, n + 5));
    }

    @Test
    void alpacaPromptTextMatchesStanford() {
        assertEquals("Below is an instruction that describes a task, paired with an input that provides further context. "
                + "Write a response that appropriately completes the request.\n\n### Instruction:\nAdd.\n\n### Input:\n1 2\n\n### Response:\n",
                AlpacaPrompt.prompt("", "Add.", "1 2"));
    }

    @Test
    void chatTemplateCountsEachAssistantTurnAndItsEndOfTurn() {
        RowTokenizer tok = new RowTokenizer(new Gpt2Encoder(CHATML), false);
        List<Message> msgs = List.of(new Message("system", "Be brief."), new Message("user", "Hi"),
                new Message("assistant", "Hello, world!"), new Message("user", "Again"), new Message("assistant", "The quick brown fox jumps over the lazy dog."));
        TokenRow r = tok.tokenize(new Example.Chat(msgs, "f:1"));
        int[] imEnd = {27, 91, 320, 62, 437, 91, 29}; // "<", "|", "im", "_", "end", "|", ">" in vocab.json
        // Counted labels, in order: reply 1 + <|im_end|>, reply 2 + <|im_end|>; nothing else.
        java.util.List<Integer> counted = new java.util.ArrayList<>();
        for (int l : r.labels()) if (l != X) counted.add(l);
        java.util.List<Integer> expected = new java.util.ArrayList<>();
        for (int id : new int[] {15496, 11, 995, 0}) expected.add(id);
        for (int id : imEnd) expected.add(id);
        // "dog.<|im_end|>" is one segment: GPT-2 has no <|im_end|> token, and BPE merges ".<" into 29847.
        for (int id : new int[] {464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 29847, 91, 320, 62, 437, 91, 29}) expected.add(id);
        assertEquals(expected, counted);
        // The newline after each <|im_end|> is not counted; the row ends with it.
        assertEquals(NL, r.ids()[r.ids().length - 1]);
        assertEquals(X, r.labels()[r.labels().length - 1]);
        // The whole row is the template's text, tokenised piece by piece.
        assertEquals(CHATML.render(msgs.stream().map(Message::asMap).toList(), false), Gpt2Encoder.tokenizer().decode(toLongs(r.ids()), false));
    }

    @Test
    void defaultTemplateEndsTurnsWithEos() {
        RowTokenizer tok = new RowTokenizer(new Gpt2Encoder(null), false);
        TokenRow r = tok.tokenize(new Example.Chat(List.of(new Message("user", "Hi"), new Message("assistant", "Hello, world!")), "f:1"));
        int n = r.ids().length;
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS, NL}, java.util.Arrays.copyOfRange(r.ids(), n - 6, n));
        assertArrayEquals(new int[] {15496, 11, 995, 0, EOS, X}, java.util.Arrays.copyOfRange(r.labels(), n - 6, n));
        for (int i = 0; i < n - 6; i++) assertEquals(X, r.labels()[i]);
    }

    @Test
    void templateThatRewritesEarlierTurnsIsRefused() {
        ChatRenderer unstable = (m, gen) -> m.size() + ":" + CHATML.render(m, gen);
        RowTokenizer tok = new RowTokenizer(new Gpt2Encoder(unstable), false);
        DataException e = assertThrows(DataException.class, () -> tok.tokenize(new Example.Chat(
                List.of(new Message("user", "a"), new Message("assistant", "b")), "data.jsonl:7")));
        assertTrue(e.getMessage().startsWith("data.jsonl:7: the chat template does not render this conversation as a growing prefix at turn 1"), e.getMessage());
    }

    @Test
    void pretokenizedLabelsKeptOrDefaultToIds() {
        RowTokenizer tok = new RowTokenizer(null, false);
        TokenRow a = tok.tokenize(new Example.Tokens(new int[] {5, 6, 7}, new int[] {X, 6, 7}, "f:1"));
        assertArrayEquals(new int[] {X, 6, 7}, a.labels());
        TokenRow b = tok.tokenize(new Example.Tokens(new int[] {5, 6, 7}, null, "f:2"));
        assertArrayEquals(new int[] {5, 6, 7}, b.labels());
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i];
        return out;
    }
}
