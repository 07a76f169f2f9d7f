package dev.tailor.tokenizer.bpe;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's byte-level pre-tokenizer, as the tokenizers library's {@code ByteLevel} pre-tokenizer
 * runs it with {@code use_regex: true, add_prefix_space: false}: the text is split by the GPT-2
 * regex, and each piece's UTF-8 bytes are written with one printable character per byte
 * ({@code bytes_to_unicode}), so any text becomes words over a fixed 256-symbol alphabet.
 */
public final class ByteLevel {

    /**
     * The GPT-2 split. UNICODE_CHARACTER_CLASS makes {@code \s} the Unicode White_Space set, as
     * Oniguruma's {@code \s} is for UTF-8 text in the tokenizers library.
     */
    static final Pattern SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    /** The character standing for each byte value (GPT-2's bytes_to_unicode). */
    private static final char[] BYTE_CHAR = byteChars();

    private ByteLevel() {}

    /**
     * bytes_to_unicode: the printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for
     * themselves; the other 68 bytes, in increasing order, become U+0100, U+0101, ... so that
     * space (0x20) is 'Ġ' (U+0120) and newline (0x0A) is 'Ċ' (U+010A).
     */
    private static char[] byteChars() {
        char[] out = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? (char) b : (char) next++;
        }
        return out;
    }

    /** The character that stands for byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_CHAR[b & 0xFF];
    }

    /** The 256 byte characters ordered by code point: the order of the trainer's initial alphabet. */
    static char[] alphabetByCodePoint() {
        char[] sorted = BYTE_CHAR.clone();
        java.util.Arrays.sort(sorted);
        return sorted;
    }

    /** The byte-level form of a piece of text: one character per UTF-8 byte. */
    public static String encode(String piece) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) out[i] = BYTE_CHAR[bytes[i] & 0xFF];
        return new String(out);
    }

    /**
     * Splits {@code text} with the GPT-2 regex and hands each piece, in byte-level form, to
     * {@code words}. Text between matches (the regex covers every character, so there is none in
     * practice) would be handed on as its own piece, as the tokenizers library keeps it.
     */
    public static void words(CharSequence text, Consumer<String> words) {
        Matcher m = SPLIT.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) words.accept(encode(text.subSequence(last, m.start()).toString()));
            if (m.end() > m.start()) words.accept(encode(m.group()));
            last = m.end();
        }
        if (last < text.length()) words.accept(encode(text.subSequence(last, text.length()).toString()));
    }
}
