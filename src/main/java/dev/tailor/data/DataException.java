package dev.tailor.data;

/** Bad input data; the message names the file, line (row) and field. */
public final class DataException extends RuntimeException {
    public DataException(String message) { super(message); }
}
