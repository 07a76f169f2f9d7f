package dev.tailor.tokenizer.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeStore;
import jinjava.de.odysseus.el.tree.impl.Builder.Feature;
import jinjava.de.odysseus.el.tree.impl.Cache;
import jinjava.javax.el.ArrayELResolver;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Renders Jinja2 templates the way Hugging Face's chat-template environment does
 * ({@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with
 * {@code raise_exception}, {@code strftime_now} and a json.dumps {@code tojson}), on Jinjava.
 *
 * <p>What Jinjava needs on top: Jinja2's whitespace rules ({@link WhitespaceControl}), Python
 * slices ({@link PythonParser}), filter precedence ({@code x|length - 1}), Python string and
 * dict methods ({@link PythonMethodResolver}), Python type tests ({@link PythonTests}),
 * {@code tojson}/{@code trim} with Python semantics ({@link JinjaFilters}) and Python's
 * {@code str()} for printed values ({@link PythonOutput}), and the {@code generation} block tag
 * of transformers' AssistantTracker ({@link GenerationTag}). Thread-safe: each
 * render gets its own interpreter.
 */
public final class JinjaEngine {

    private final Jinjava jinjava;

    public JinjaEngine() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)   // WhitespaceControl has already applied Jinja2's rules
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)  // message text is data, never re-rendered
                .withFailOnUnknownTokens(false)          // Jinja2's default Undefined renders as ""
                .withLegacyOverrides(LegacyOverrides.newBuilder().withUseNaturalOperatorPrecedence(true).build())
                .withElResolver(resolver())
                .withInterperterFactory(new PythonOutput())
                .build();
        jinjava = new PythonJinjava(config);
        JinjaFunctions.all().forEach(jinjava.getGlobalContext()::registerFunction);
        JinjaFilters.all().forEach(jinjava.getGlobalContext()::registerFilter);
        PythonTests.all().forEach(jinjava.getGlobalContext()::registerExpTest);
        jinjava.getGlobalContext().registerTag(new GenerationTag());
    }

    /** A template prepared once (whitespace rules applied) and rendered many times. */
    public record Template(String jinjavaSource) {}

    /** Applies Jinja2's lexer whitespace rules; fails on an unclosed tag or string. */
    public Template compile(String jinja2Source) {
        try {
            return new Template(WhitespaceControl.apply(jinja2Source));
        } catch (IllegalArgumentException e) {
            throw new TemplateException("template syntax error: " + e.getMessage(), false, e);
        }
    }

    /** Renders with the given variables; throws {@link TemplateException} on any fatal error. */
    public String render(Template template, Map<String, ?> variables) {
        RenderResult result = jinjava.renderForResult(template.jinjavaSource(), variables);
        List<String> problems = new ArrayList<>();
        for (TemplateError e : result.getErrors()) {
            JinjaFunctions.Raised raised = raisedCause(e.getException());
            if (raised != null) throw new TemplateException(raised.getMessage(), true, raised);
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                problems.add("line " + e.getLineno() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new TemplateException("template failed to render: " + String.join("; ", problems), false, null);
        }
        return result.getOutput();
    }

    private static JinjaFunctions.Raised raisedCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof JinjaFunctions.Raised r) return r;
        }
        return null;
    }

    /** Python methods first, then Jinjava's own read-only resolvers (HF's sandbox is immutable). */
    private static CompositeELResolver resolver() {
        CompositeELResolver r = new CompositeELResolver();
        r.add(new PythonMethodResolver());
        r.add(new ArrayELResolver(true));
        r.add(new JinjavaListELResolver(true));
        r.add(new TypeConvertingMapELResolver(true));
        r.add(new JinjavaBeanELResolver(true));
        return r;
    }

    /** Jinjava whose expression parser is {@link PythonParser}. */
    private static final class PythonJinjava extends Jinjava {
        private final ExpressionFactory factory = new ExpressionFactoryImpl(
                new TreeStore(new PythonParser.SyntaxBuilder(Feature.METHOD_INVOCATIONS, Feature.VARARGS), new Cache(1000)), new TruthyTypeConverter());

        PythonJinjava(JinjavaConfig config) {
            super(config);
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return factory;
        }
    }
}
