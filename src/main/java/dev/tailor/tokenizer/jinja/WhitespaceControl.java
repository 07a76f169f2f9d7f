package dev.tailor.tokenizer.jinja;

import dev.tailor.tokenizer.PythonStrings;

/**
 * Applies Jinja2's lexer-level whitespace rules to a template source, the way Hugging Face's
 * environment sets them ({@code trim_blocks=True, lstrip_blocks=True}, no
 * {@code keep_trailing_newline}), and returns a source without whitespace-control markers.
 * Jinjava then renders it with its own whitespace handling off: its trimming differs from
 * Jinja2's ({@code {{-} is ignored, lstrip_blocks misses tags after text), and chat templates
 * depend on every newline.
 *
 * <p>Rules, as in jinja2/lexer.py: newlines are normalised to \n and one trailing newline is
 * dropped; {@code -} beside a delimiter strips all whitespace on that side; a block or comment
 * tag alone on its line loses the indentation before it unless opened with {@code +}; the
 * first newline after a block or comment tag is removed unless closed with {@code +}.
 * {@code {% raw %}} content is kept verbatim.
 */
public final class WhitespaceControl {

    private WhitespaceControl() {}

    private enum Kind { VARIABLE, BLOCK, COMMENT }

    /** A tag found in the source: where its text starts and ends, and its parts. */
    private record Tag(Kind kind, char leftSign, String body, char rightSign, int end) {}

    /** The source Jinjava should render to produce Jinja2's output for {@code source}. */
    public static String apply(String source) {
        String src = source.replace("\r\n", "\n").replace('\r', '\n');
        if (src.endsWith("\n")) src = src.substring(0, src.length() - 1);
        StringBuilder out = new StringBuilder(src.length());
        int pos = 0;
        boolean lineStarting = true;
        Tag previous = null;
        while (true) {
            int start = nextTagStart(src, pos);
            String text = src.substring(pos, start < 0 ? src.length() : start);
            if (previous != null) {
                String kept = afterTag(previous, text);
                String consumed = text.substring(0, text.length() - kept.length());
                lineStarting = consumed.endsWith("\n");
                text = kept;
            }
            if (start < 0) {
                out.append(text);
                return out.toString();
            }
            Tag tag = scanTag(src, start);
            out.append(beforeTag(tag, text, lineStarting));
            if (tag.kind == Kind.BLOCK && tag.body.strip().equals("raw")) {
                previous = appendRaw(src, tag, out);
                pos = previous.end;
                continue;
            }
            String body = tag.kind == Kind.VARIABLE ? jinjavaExpression(tag.body) : tag.body;
            out.append(open(tag.kind)).append(body).append(close(tag.kind));
            pos = tag.end;
            previous = tag;
        }
    }

    /** Whitespace rules on the text before a tag: '-' strips all, lstrip_blocks strips indentation. */
    private static String beforeTag(Tag tag, String text, boolean lineStarting) {
        if (tag.leftSign == '-') return PythonStrings.rstrip(text, null);
        if (tag.leftSign == '+' || tag.kind == Kind.VARIABLE) return text;
        int lineStart = text.lastIndexOf('\n') + 1;
        if (lineStart > 0 || lineStarting) {
            String tail = text.substring(lineStart);
            if (!tail.isEmpty() && tail.codePoints().allMatch(PythonStrings::isSpace)) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    /** Whitespace rules on the text after a tag: '-' strips all, trim_blocks eats one newline. */
    private static String afterTag(Tag tag, String text) {
        if (tag.rightSign == '-') return PythonStrings.lstrip(text, null);
        boolean trims = tag.kind != Kind.VARIABLE && tag.rightSign != '+';
        return trims && text.startsWith("\n") ? text.substring(1) : text;
    }

    /**
     * Rewrites an expression so Jinjava's tag scanner reads it as Jinja2 does: a leading sign
     * would be taken for a whitespace marker ({@code {{ -x }}} would print x), so the expression
     * is parenthesised; and "}}" inside a dict literal would end the tag, so the braces are
     * separated by a space. Neither changes the expression's meaning.
     */
    private static String jinjavaExpression(String body) {
        String e = separateClosingBraces(body);
        String t = e.strip();
        return t.startsWith("-") || t.startsWith("+") ? " (" + t + ") " : e;
    }

    private static String separateClosingBraces(String body) {
        StringBuilder sb = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\'' || c == '"') {
                int end = skipString(body, i, 0);
                sb.append(body, i, end);
                i = end - 1;
                continue;
            }
            sb.append(c);
            if (c == '}' && i + 1 < body.length() && body.charAt(i + 1) == '}') sb.append(' ');
        }
        return sb.toString();
    }

    private static int nextTagStart(String src, int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Finds the end of the tag opening at {@code start}, skipping string literals and brackets. */
    private static Tag scanTag(String src, int start) {
        Kind kind = switch (src.charAt(start + 1)) {
            case '{' -> Kind.VARIABLE;
            case '%' -> Kind.BLOCK;
            default -> Kind.COMMENT;
        };
        int i = start + 2;
        char left = i < src.length() && (src.charAt(i) == '-' || src.charAt(i) == '+') ? src.charAt(i++) : ' ';
        int bodyStart = i;
        String closer = kind == Kind.VARIABLE ? "}}" : kind == Kind.BLOCK ? "%}" : "#}";
        int depth = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (kind != Kind.COMMENT && (c == '\'' || c == '"')) {
                i = skipString(src, i, start);
                continue;
            }
            if (depth == 0 && src.startsWith(closer, i)) break;
            if (kind != Kind.COMMENT) {
                if (c == '(' || c == '[' || c == '{') depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
            }
            i++;
        }
        if (i >= src.length()) {
            throw new IllegalArgumentException("unclosed template tag: expected '" + closer + "' for the tag at "
                    + location(src, start));
        }
        char right = ' ';
        int bodyEnd = i;
        char before = src.charAt(i - 1);
        if (i - 1 >= bodyStart && (before == '-' || (before == '+' && kind != Kind.VARIABLE))) {
            right = before;
            bodyEnd = i - 1;
        }
        return new Tag(kind, left, src.substring(bodyStart, bodyEnd), right, i + 2);
    }

    private static int skipString(String src, int quoteAt, int tagStart) {
        char quote = src.charAt(quoteAt);
        for (int i = quoteAt + 1; i < src.length(); i++) {
            char c = src.charAt(i);
            if (c == '\\') i++;
            else if (c == quote) return i + 1;
        }
        throw new IllegalArgumentException("unclosed string literal in the template tag at " + location(src, tagStart));
    }

    /**
     * Copies a raw block verbatim and returns its {@code endraw} tag. Jinja2 applies no
     * trim_blocks after {@code {% raw %}}, only its '-' marker.
     */
    private static Tag appendRaw(String src, Tag open, StringBuilder out) {
        int from = open.end;
        int pos = from;
        while (true) {
            int at = src.indexOf("{%", pos);
            if (at < 0) throw new IllegalArgumentException("missing {% endraw %} for the raw block at " + location(src, from));
            Tag tag = scanTag(src, at);
            if (tag.kind == Kind.BLOCK && tag.body.strip().equals("endraw")) {
                String content = src.substring(from, at);
                boolean lineStarting = false;
                if (open.rightSign == '-') {
                    String kept = PythonStrings.lstrip(content, null);
                    lineStarting = content.substring(0, content.length() - kept.length()).endsWith("\n");
                    content = kept;
                }
                content = beforeTag(tag, content, lineStarting);
                out.append("{% raw %}").append(content).append("{% endraw %}");
                return tag;
            }
            pos = at + 2;
        }
    }

    private static String open(Kind k) {
        return switch (k) { case VARIABLE -> "{{"; case BLOCK -> "{%"; case COMMENT -> "{#"; };
    }

    private static String close(Kind k) {
        return switch (k) { case VARIABLE -> "}}"; case BLOCK -> "%}"; case COMMENT -> "#}"; };
    }

    private static String location(String src, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) if (src.charAt(i) == '\n') line++;
        return "line " + line;
    }
}
