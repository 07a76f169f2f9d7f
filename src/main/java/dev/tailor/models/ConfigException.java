package dev.tailor.models;

/** A config.json that Tailor cannot use; the message names the file and the key at fault. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) { super(message); }

    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
