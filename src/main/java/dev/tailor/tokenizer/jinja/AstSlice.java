package dev.tailor.tokenizer.jinja;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/** The expression {@code base[start:stop:step]}; each of the three parts may be omitted (null). */
final class AstSlice extends AstRightValue {
    private final AstNode base;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;

    AstSlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object seq = base.eval(bindings, context);
        return PythonSlices.slice(seq, bound(start, bindings, context), bound(stop, bindings, context),
                bound(step, bindings, context));
    }

    private static Integer bound(AstNode node, Bindings bindings, ELContext context) {
        if (node == null) return null;
        Object v = node.eval(bindings, context);
        if (v == null) return null;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw new IllegalArgumentException("slice indices must be integers or None, found " + v);
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        base.appendStructure(b, bindings);
        b.append('[');
        if (start != null) start.appendStructure(b, bindings);
        b.append(':');
        if (stop != null) stop.appendStructure(b, bindings);
        b.append(':');
        if (step != null) step.appendStructure(b, bindings);
        b.append(']');
    }

    @Override
    public String toString() {
        return "[::]";
    }

    @Override
    public int getCardinality() {
        return 4;
    }

    @Override
    public AstNode getChild(int i) {
        return switch (i) {
            case 0 -> base;
            case 1 -> start;
            case 2 -> stop;
            case 3 -> step;
            default -> null;
        };
    }
}
