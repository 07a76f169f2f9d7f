package dev.tailor.train;

/** The run stopped before its last step (too many non-finite steps in a row); the message says why and what was kept. */
public final class TrainingStopped extends RuntimeException {
    public TrainingStopped(String message) { super(message); }
}
