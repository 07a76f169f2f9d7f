package dev.tailor.io;

/**
 * A safetensors file, shard index or checkpoint folder that cannot be read as asked. The message
 * always names the file and, where there is one, the tensor or JSON key at fault.
 */
public final class SafetensorsException extends RuntimeException {

    public SafetensorsException(String message) { super(message); }

    public SafetensorsException(String message, Throwable cause) { super(message, cause); }
}
