package dev.tailor.data;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

/** The GPT-2 tokenizer (tokenizer.json run by the tokenizers library) as a {@link TextEncoder}, for tests. */
public final class Gpt2Encoder implements TextEncoder {

    public static final int EOS = 50256; // <|endoftext|>
    private static HuggingFaceTokenizer shared;

    private final ChatRenderer template;

    public Gpt2Encoder(ChatRenderer template) { this.template = template; }

    static synchronized HuggingFaceTokenizer tokenizer() {
        if (shared == null) {
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("OPT_OUT_TRACKING", "true");
            try {
                Path p = Path.of(Gpt2Encoder.class.getResource("/train/gpt2/tokenizer.json").toURI());
                shared = HuggingFaceTokenizer.newInstance(p, Map.of("truncation", "false", "padding", "false"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return shared;
    }

    @Override
    public int[] encode(String text) {
        long[] ids = tokenizer().encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    @Override public int[] prefixIds() { return new int[0]; }
    @Override public int eosId() { return EOS; }
    @Override public String eosToken() { return "<|endoftext|>"; }
    @Override public ChatRenderer chatTemplate() { return template; }
}
