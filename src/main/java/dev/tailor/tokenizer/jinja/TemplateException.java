package dev.tailor.tokenizer.jinja;

/**
 * A template failed to render. When the template itself called {@code raise_exception(msg)},
 * {@link #raisedByTemplate()} is true and the message is exactly {@code msg}, as Hugging Face
 * reports it; otherwise the message describes the template error and where it happened.
 */
public final class TemplateException extends RuntimeException {
    private final boolean raisedByTemplate;

    public TemplateException(String message, boolean raisedByTemplate, Throwable cause) {
        super(message, cause);
        this.raisedByTemplate = raisedByTemplate;
    }

    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }
}
