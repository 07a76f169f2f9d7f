package dev.tailor.tokenizer;

/**
 * Keeps DJL's tokenizer binding offline. Its jar carries the native library for linux-x86_64
 * and copies it to DJL's cache folder (DJL_CACHE_DIR, else ~/.djl.ai); without these settings
 * it would ask the EC2 metadata endpoint for usage tracking on every load and, on a machine
 * with CUDA, try to download a GPU build of the library.
 */
final class NativeTokenizers {

    private NativeTokenizers() {}

    static void stayOffline() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("OPT_OUT_TRACKING") == null) System.setProperty("OPT_OUT_TRACKING", "true");
    }
}
