package dev.tailor.tokenizer.bpe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GPT-2 byte-to-character table and regex split, against values worked out by hand. */
class ByteLevelTest {

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        ByteLevel.words(text, out::add);
        return out;
    }

    @Test
    void printableBytesStandForThemselvesAndTheOthersCountUpFromU0100() {
        assertEquals('!', ByteLevel.charOf('!'));
        assertEquals('~', ByteLevel.charOf('~'));
        assertEquals('\u00ff', ByteLevel.charOf(0xFF));
        assertEquals('\u0100', ByteLevel.charOf(0x00));          // the first non-printable byte
        assertEquals('\u010a', ByteLevel.charOf('\n'));          // 'Ċ'
        assertEquals('\u0120', ByteLevel.charOf(' '));           // 'Ġ': bytes 0..32 are the first 33
        assertEquals('\u0121', ByteLevel.charOf(0x7F));          // DEL follows them
        assertEquals('\u0143', ByteLevel.charOf(0xAD));          // soft hyphen: 33 + 34 non-printables before it
    }

    @Test
    void alphabetIsTheByteCharactersSortedByCodePoint() {
        char[] a = ByteLevel.alphabetByCodePoint();
        assertEquals(256, a.length);
        assertEquals('!', a[0]);
        assertEquals('\u0143', a[255]);
        for (int i = 1; i < a.length; i++) assertTrue(a[i - 1] < a[i], "not strictly increasing at " + i);
    }

    @Test
    void utf8BytesBecomeOneCharacterEach() {
        assertEquals("\u00c3\u00a9", ByteLevel.encode("\u00e9"));                      // é = C3 A9
        assertEquals("\u00f0\u0141\u013a\u0122", ByteLevel.encode("\ud83d\ude00"));   // 😀 = F0 9F 98 80
    }

    @Test
    void gpt2RegexSplitsContractionsLettersNumbersPunctuationAndSpaces() {
        assertEquals(List.of("Hello", "\u0120world", "'s", "\u0120", "\u0120end", "\u010a\u010a"),
                words("Hello world's  end\n\n"));
        assertEquals(List.of("I", "'ll", "\u0120pay", "\u01201999", "\u0120dollars", "!!"), words("I'll pay 1999 dollars!!"));
        assertEquals(List.of("a", "\u0109", "b"), words("a\tb"));                       // a tab takes no letters with it
        assertEquals(List.of("\u00c3\u00a9t\u00c3\u00a9", "\u0120\u00e6\u013f\u00b1"), words("\u00e9t\u00e9 \u6771"));
    }

    @Test
    void unicodeSpacesCountAsWhitespace() {
        // U+3000 IDEOGRAPHIC SPACE is White_Space: it splits like a space (E3 80 80 as one piece)
        assertEquals(List.of("a", "\u00e3\u0122\u0122", "b"), words("a\u3000b"));
    }
}
