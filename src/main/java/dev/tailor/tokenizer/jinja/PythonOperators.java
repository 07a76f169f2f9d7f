package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;

/**
 * Binary operators whose Python meaning differs from Jinjava's: {@code a and b} yields an
 * operand, not a boolean ({@code x and x.strip()}), and {@code *} repeats strings and lists
 * ({@code '=' * 10}). Everything else goes to Jinjava's operators.
 */
final class PythonOperators {

    private PythonOperators() {}

    /** Python's {@code and}: the left operand if it is falsy, else the right operand. */
    static final AstBinary.Operator AND = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            return Boolean.TRUE.equals(bindings.convert(l, Boolean.class)) ? right.eval(bindings, context) : l;
        }

        @Override
        public String toString() {
            return "and";
        }
    };

    /** Python's {@code *}: repetition when one side is a string or a list, else arithmetic. */
    static final AstBinary.Operator MUL = new AstBinary.Operator() {
        @Override
        public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
            Object l = left.eval(bindings, context);
            Object r = right.eval(bindings, context);
            if (isSequence(l) && isInteger(r)) return repeat(l, ((Number) r).intValue());
            if (isSequence(r) && isInteger(l)) return repeat(r, ((Number) l).intValue());
            return AstBinary.MUL.eval(bindings, context, new Constant(l), new Constant(r));
        }

        @Override
        public String toString() {
            return "*";
        }
    };

    private static boolean isSequence(Object o) {
        return o instanceof String || o instanceof SafeString || o instanceof List;
    }

    private static boolean isInteger(Object o) {
        return o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte;
    }

    private static Object repeat(Object seq, int times) {
        int n = Math.max(times, 0);
        if (seq instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size() * n);
            for (int i = 0; i < n; i++) out.addAll(list);
            return out;
        }
        return String.join("", Collections.nCopies(n, seq.toString()));
    }

    /** An already evaluated operand handed back to Jinjava's own operator. */
    private static final class Constant extends jinjava.de.odysseus.el.tree.impl.ast.AstRightValue {
        private final Object value;

        Constant(Object value) {
            this.value = value;
        }

        @Override public Object eval(Bindings bindings, ELContext context) { return value; }
        @Override public void appendStructure(StringBuilder b, Bindings bindings) { b.append(value); }
        @Override public String toString() { return String.valueOf(value); }
        @Override public int getCardinality() { return 0; }
        @Override public AstNode getChild(int i) { return null; }
    }
}
