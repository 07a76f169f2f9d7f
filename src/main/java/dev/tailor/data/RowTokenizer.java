package dev.tailor.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Turns an {@link Example} into ids and labels. The text is built as segments, each either prompt
 * (label -100) or completion (label = id), and each segment is tokenised on its own so the mask
 * boundary falls exactly between tokens.
 *
 * <p>Conversations go through the tokenizer's chat template (or {@link DefaultChatTemplate}):
 * for each assistant turn i, the template renders turns 0..i-1 with the generation prompt and then
 * turns 0..i; what the second adds is the completion (the reply and the template's end-of-turn
 * token, counted) followed by trailing whitespace (not counted). The template must render the
 * conversation as a growing prefix, as every common template does.
 *
 * <p>Alpaca rows use the chat template as one user turn (instruction, a newline, input), or the
 * {@link AlpacaPrompt} without one; prompt/completion and text rows are plain text. These get the
 * tokenizer's BOS before and the EOS token after the completion (counted). With
 * {@code trainOnPrompt} every token is counted.
 */
public final class RowTokenizer {

    private record Segment(String text, boolean counted) {}

    private final TextEncoder encoder;
    private final ChatRenderer chat;          // the tokenizer's template or the default
    private final boolean hasTemplate;
    private final boolean trainOnPrompt;

    /** @param encoder the tokenizer; null when every row is pre-tokenised */
    public RowTokenizer(TextEncoder encoder, boolean trainOnPrompt) {
        this.encoder = encoder;
        this.hasTemplate = encoder != null && encoder.chatTemplate() != null;
        this.chat = encoder == null ? null : hasTemplate ? encoder.chatTemplate() : new DefaultChatTemplate(encoder.eosToken());
        this.trainOnPrompt = trainOnPrompt;
    }

    public TokenRow tokenize(Example example) {
        return switch (example) {
            case Example.Tokens t -> new TokenRow(t.ids(), t.labels() == null || trainOnPrompt ? t.ids().clone() : t.labels(), t.where());
            case Example.Chat c -> encode(chatSegments(c.messages(), c.where()), false, c.where());
            case Example.Instruction i when hasTemplate -> encode(chatSegments(instructionTurns(i), i.where()), false, i.where());
            case Example.Instruction i -> encode(List.of(new Segment(AlpacaPrompt.prompt(i.system(), i.instruction(), i.input()), false),
                    new Segment(i.output(), true)), true, i.where());
            case Example.Completion c -> encode(List.of(new Segment(c.prompt(), false), new Segment(c.completion(), true)), true, c.where());
            case Example.Text t -> encode(List.of(new Segment(t.text(), true)), true, t.where());
        };
    }

    private static List<Message> instructionTurns(Example.Instruction i) {
        List<Message> turns = new ArrayList<>();
        if (!i.system().isEmpty()) turns.add(new Message(Message.SYSTEM, i.system()));
        turns.add(new Message(Message.USER, i.input().isEmpty() ? i.instruction() : i.instruction() + "\n" + i.input()));
        turns.add(new Message(Message.ASSISTANT, i.output()));
        return turns;
    }

    private List<Segment> chatSegments(List<Message> messages, String where) {
        List<Map<String, String>> maps = new ArrayList<>();
        for (Message m : messages) maps.add(m.asMap());
        List<Segment> out = new ArrayList<>();
        String done = "";
        for (int i = 0; i < maps.size(); i++) {
            if (!messages.get(i).role().equals(Message.ASSISTANT)) continue;
            String prompt = chat.render(maps.subList(0, i), true);
            String full = chat.render(maps.subList(0, i + 1), false);
            if (!prompt.startsWith(done) || !full.startsWith(prompt)) {
                throw new DataException(where + ": the chat template does not render this conversation as a growing prefix at turn "
                        + i + " (rendering turns 0.." + i + " changes the text of the earlier turns); the completion mask cannot be placed");
            }
            out.add(new Segment(prompt.substring(done.length()), false));
            String reply = full.substring(prompt.length());
            String body = reply.stripTrailing();
            out.add(new Segment(body, true));
            out.add(new Segment(reply.substring(body.length()), false));
            done = full;
        }
        String all = chat.render(maps, false);
        if (all.startsWith(done)) out.add(new Segment(all.substring(done.length()), false));
        return out;
    }

    /** Encodes the segments; with {@code plain}, adds the tokenizer's BOS before and an EOS after each completion. */
    private TokenRow encode(List<Segment> segments, boolean plain, String where) {
        IntList ids = new IntList(), labels = new IntList();
        if (plain) for (int id : encoder.prefixIds()) { ids.add(id); labels.add(label(id, false)); }
        for (Segment s : segments) {
            if (s.text.isEmpty()) continue;
            int[] t = encoder.encode(s.text);
            for (int id : t) { ids.add(id); labels.add(label(id, s.counted)); }
            if (plain && s.counted && (t.length == 0 || t[t.length - 1] != encoder.eosId())) {
                ids.add(encoder.eosId());
                labels.add(encoder.eosId());
            }
        }
        return new TokenRow(ids.toArray(), labels.toArray(), where);
    }

    private int label(int id, boolean counted) { return counted || trainOnPrompt ? id : TokenRow.IGNORE; }

    /** A growable int array (no boxing). */
    static final class IntList {
        private int[] a = new int[64];
        private int n;
        void add(int v) { if (n == a.length) a = Arrays.copyOf(a, n * 2); a[n++] = v; }
        int[] toArray() { return Arrays.copyOf(a, n); }
    }
}
