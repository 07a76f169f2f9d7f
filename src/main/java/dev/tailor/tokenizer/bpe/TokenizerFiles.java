package dev.tailor.tokenizer.bpe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tailor.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Writes a trained model as a Hugging Face fast tokenizer: {@code tokenizer.json} (BPE model,
 * ByteLevel pre-tokenizer/decoder, no normalizer so any text round-trips, special tokens as
 * added tokens) and {@code tokenizer_config.json} (bos/eos/pad and, when the special tokens
 * include {@code <|im_start|>} and {@code <|im_end|>}, a ChatML chat template). Each file is
 * written atomically.
 */
public final class TokenizerFiles {

    public static final String IM_START = "<|im_start|>";
    public static final String IM_END = "<|im_end|>";
    public static final String END_OF_TEXT = "<|endoftext|>";

    /**
     * ChatML as Qwen writes it, without a default system message or tools:
     * {@code <|im_start|>role\ncontent<|im_end|>\n} per message, and
     * {@code <|im_start|>assistant\n} when a generation prompt is asked for.
     */
    public static final String CHATML_TEMPLATE = """
            {%- for message in messages %}
                {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /**
     * Which special tokens play the roles transformers knows; each is one of the special tokens
     * or empty.
     */
    public record Roles(Optional<String> bos, Optional<String> eos, Optional<String> pad) {

        /**
         * bos and pad {@code <|endoftext|>}, eos {@code <|im_end|>} (the end of a chat turn, where
         * generation stops), each only if it is among the special tokens; eos falls back to
         * {@code <|endoftext|>}.
         */
        public static Roles defaults(List<String> specials) {
            Optional<String> eot = specials.contains(END_OF_TEXT) ? Optional.of(END_OF_TEXT) : Optional.empty();
            Optional<String> eos = specials.contains(IM_END) ? Optional.of(IM_END) : eot;
            return new Roles(eot, eos, eot);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two-space indent, one array element per line, "key": value; as the tokenizers library saves. */
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter(
                    Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(new DefaultIndenter("  ", "\n"))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private TokenizerFiles() {}

    /** Writes {@code dir/tokenizer.json} and {@code dir/tokenizer_config.json}. */
    public static void write(Path dir, BpeModel model, Roles roles) throws IOException {
        check(roles.bos(), "bos", model);
        check(roles.eos(), "eos", model);
        check(roles.pad(), "pad", model);
        AtomicFile.writeString(dir.resolve("tokenizer.json"), tokenizerJson(model));
        AtomicFile.writeString(dir.resolve("tokenizer_config.json"), configJson(model, roles));
    }

    private static void check(Optional<String> token, String role, BpeModel model) {
        if (token.isPresent() && !model.specialTokens().contains(token.get())) {
            throw new IllegalArgumentException(role + " token \"" + token.get() + "\" is not one of the special tokens "
                    + model.specialTokens());
        }
    }

    static String tokenizerJson(BpeModel model) throws JsonProcessingException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < model.specialTokens().size(); id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", model.specialTokens().get(id));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(true));
        root.set("post_processor", byteLevel(false));
        root.set("decoder", byteLevel(true));
        root.set("model", bpe(model));
        return PRETTY.writeValueAsString(root) + "\n";
    }

    /** The ByteLevel component; trim_offsets only changes offsets, never ids or text. */
    private static ObjectNode byteLevel(boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    private static ObjectNode bpe(BpeModel model) {
        ObjectNode m = JSON.createObjectNode();
        m.put("type", "BPE");
        m.putNull("dropout");
        m.putNull("unk_token");
        m.putNull("continuing_subword_prefix");
        m.putNull("end_of_word_suffix");
        m.put("fuse_unk", false);
        m.put("byte_fallback", false);
        m.put("ignore_merges", false);
        ObjectNode vocab = m.putObject("vocab");
        for (int id = 0; id < model.vocab().size(); id++) vocab.put(model.vocab().get(id), id);
        ArrayNode merges = m.putArray("merges");
        for (BpeModel.Merge merge : model.merges()) merges.add(merge.toString());
        return m;
    }

    static String configJson(BpeModel model, Roles roles) throws JsonProcessingException {
        ObjectNode c = JSON.createObjectNode();
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int id = 0; id < model.specialTokens().size(); id++) {
            ObjectNode t = decoder.putObject(Integer.toString(id));
            t.put("content", model.specialTokens().get(id));
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        ArrayNode extra = c.putArray("additional_special_tokens");
        model.specialTokens().forEach(extra::add);
        putRole(c, "bos_token", roles.bos());
        if (model.specialTokens().contains(IM_START) && model.specialTokens().contains(IM_END)) {
            c.put("chat_template", CHATML_TEMPLATE);
        }
        // Decoding must give the text back exactly; the old default (true) would drop spaces before punctuation.
        c.put("clean_up_tokenization_spaces", false);
        putRole(c, "eos_token", roles.eos());
        c.put("errors", "replace");
        putRole(c, "pad_token", roles.pad());
        c.put("split_special_tokens", false);
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.putNull("unk_token");
        return PRETTY.writeValueAsString(c) + "\n";
    }

    private static void putRole(ObjectNode c, String key, Optional<String> token) {
        if (token.isPresent()) c.put(key, token.get());
        else c.putNull(key);
    }
}
