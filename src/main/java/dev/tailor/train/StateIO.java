package dev.tailor.train;

import dev.tailor.io.SafetensorsFile;

/** Reads a float32 state tensor of a checkpoint into an existing array, naming what does not match. */
final class StateIO {

    private StateIO() {}

    static void read(SafetensorsFile file, String name, float[] into) {
        if (!file.contains(name)) {
            throw new IllegalStateException(file.source() + ": tensor '" + name + "' missing; the checkpoint was written for other trainable parameters");
        }
        float[] v = file.floats(name);
        if (v.length != into.length) {
            throw new IllegalStateException(file.source() + ": tensor '" + name + "' has " + v.length + " elements, expected " + into.length);
        }
        System.arraycopy(v, 0, into, 0, v.length);
    }
}
