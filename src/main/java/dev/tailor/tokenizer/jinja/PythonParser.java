package dev.tailor.tokenizer.jinja;

import static jinjava.de.odysseus.el.tree.impl.Builder.Feature.METHOD_INVOCATIONS;
import static jinjava.de.odysseus.el.tree.impl.Builder.Feature.NULL_PROPERTIES;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.ExtendedScanner;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.Scanner.Token;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;

/**
 * Jinjava's expression parser with Python subscripts: {@code x[i]}, and slices
 * {@code x[a:b]}, {@code x[a:b:c]}, {@code x[::-1]} with Python's semantics (Jinjava alone
 * rejects a slice step), and keyword arguments whose value is a whole expression
 * ({@code namespace(last=messages|length - 1)}; Jinjava binds {@code =} tighter than {@code -}).
 * {@code and} and {@code *} get Python's meaning ({@link PythonOperators}).
 * Filters and tests are parsed by the parent at "natural" precedence, which the engine turns
 * on, so {@code messages|length - 1} means {@code (messages|length) - 1}.
 */
final class PythonParser extends ExtendedParser {

    PythonParser(Builder context, String input) {
        super(context, input);
    }

    @Override
    protected AstNode value() throws ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) return null;
            lvalue = false;
        }
        while (true) {
            switch (getToken().getSymbol()) {
                case DOT -> {
                    consumeToken();
                    String name = consumeToken(Symbol.IDENTIFIER).getImage();
                    AstDot dot = createAstDot(v, name, lvalue);
                    v = callFollows() ? createAstMethod(dot, params()) : dot;
                }
                case LBRACK -> v = subscript(v, lvalue);
                default -> {
                    return v;
                }
            }
        }
    }

    @Override
    protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
        AstBinary.Operator op = operator == AstBinary.AND ? PythonOperators.AND
                : operator == AstBinary.MUL ? PythonOperators.MUL : operator;
        return super.createAstBinary(left, right, op);
    }

    @Override
    protected AstParameters params(Symbol left, Symbol right) throws ScanException, ParseException {
        consumeToken(left);
        List<AstNode> list = new ArrayList<>();
        AstNode v = argument(false);
        if (v != null) {
            list.add(v);
            while (getToken().getSymbol() == Symbol.COMMA) {
                consumeToken();
                list.add(argument(true));
            }
        }
        consumeToken(right);
        return createAstParameters(list);
    }

    /** One call argument: {@code name=expression} or an expression. */
    private AstNode argument(boolean required) throws ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.IDENTIFIER && "=".equals(lookahead(0).getImage())) {
            String name = consumeToken().getImage();
            consumeToken();
            return new AstNamedParameter(identifier(name), expr(true));
        }
        return expr(required);
    }

    /** Parses {@code [i]} or {@code [start:stop:step]} after {@code base}. */
    private AstNode subscript(AstNode base, boolean lvalue) throws ScanException, ParseException {
        consumeToken(Symbol.LBRACK);
        AstNode first = expr(false);
        if (getToken().getSymbol() == Symbol.RBRACK) {
            consumeToken();
            if (first == null) fail("an index or a slice");
            var bracket = createAstBracket(base, first, lvalue, !context.isEnabled(NULL_PROPERTIES));
            return callFollows() ? createAstMethod(bracket, params()) : bracket;
        }
        consumeToken(Symbol.COLON);
        AstNode stop = sliceBound();
        AstNode step = null;
        if (getToken().getSymbol() == Symbol.COLON) {
            consumeToken();
            step = sliceBound();
        }
        consumeToken(Symbol.RBRACK);
        return new AstSlice(base, first, stop, step);
    }

    private AstNode sliceBound() throws ScanException, ParseException {
        Symbol s = getToken().getSymbol();
        return s == Symbol.COLON || s == Symbol.RBRACK ? null : expr(true);
    }

    private boolean callFollows() {
        return getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(METHOD_INVOCATIONS);
    }

    @Override
    protected Scanner createScanner(String expression) {
        return new PythonScanner(expression);
    }

    /**
     * Jinjava's scanner reads "+3" as its unary abs operator even after an operand, so
     * {@code loop.index0+1} fails to parse; Python reads it as addition.
     */
    private static final class PythonScanner extends ExtendedScanner {
        PythonScanner(String input) {
            super(input);
        }

        @Override
        protected Token nextEval() throws ScanException {
            int pos = getPosition();
            String in = getInput();
            if (in.charAt(pos) == '+' && pos + 1 < in.length() && Character.isDigit(in.charAt(pos + 1))) {
                return fixed(Symbol.PLUS);
            }
            return super.nextEval();
        }

        /** String literals with Python's escapes (\\xhh, \\uXXXX, \\U..., octal; unknown ones kept). */
        @Override
        protected Token nextString() throws ScanException {
            String in = getInput();
            char quote = in.charAt(getPosition());
            StringBuilder sb = new StringBuilder();
            int i = getPosition() + 1;
            while (i < in.length()) {
                char c = in.charAt(i++);
                if (c == quote) return token(Symbol.STRING, sb.toString(), i - getPosition());
                if (c != '\\' || i == in.length()) {
                    sb.append(c);
                    continue;
                }
                i = PythonEscapes.append(in, i, sb);
            }
            throw new ScanException(getPosition(), "unterminated string", String.valueOf(quote));
        }
    }

    /** The tree builder that hands out this parser; instantiated by class name by the EL factory. */
    public static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        public SyntaxBuilder() {
            super();
        }

        public SyntaxBuilder(Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new PythonParser(this, expression);
        }
    }
}
