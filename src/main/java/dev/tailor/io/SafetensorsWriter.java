package dev.tailor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes safetensors files: the tensors in the order given, {@code __metadata__} first in the
 * header, and the header padded with spaces to a multiple of 8 bytes as the reference writer does
 * (so the data section starts 8-byte aligned). Writes are atomic ({@link AtomicFile}).
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    public static void write(Path file, List<TensorEntry> entries) { write(file, entries, Map.of()); }

    /** Writes {@code entries} in order, with {@code metadata} as {@code __metadata__} (omitted if empty). */
    public static void write(Path file, List<TensorEntry> entries, Map<String, String> metadata) {
        byte[] header = header(entries, metadata);
        try {
            AtomicFile.write(file, ch -> {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                AtomicFile.writeFully(ch, len);
                AtomicFile.writeFully(ch, ByteBuffer.wrap(header));
                TensorEntry.Chunks out = new TensorEntry.Chunks(ch);
                for (TensorEntry e : entries) e.encode(out);
                out.flush();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The header JSON, space-padded to a multiple of 8 bytes. */
    static byte[] header(List<TensorEntry> entries, Map<String, String> metadata) {
        ObjectNode root = SafetensorsHeader.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(meta::put);
        }
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (TensorEntry e : entries) {
            if (!seen.add(e.name())) throw new IllegalArgumentException("tensor '" + e.name() + "' is listed twice");
            ObjectNode t = root.putObject(e.name());
            t.put("dtype", e.dtype().safetensorsName());
            ArrayNode shape = t.putArray("shape");
            for (int d : e.shape().dims()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + e.byteSize());
            offset += e.byteSize();
        }
        byte[] json;
        try {
            json = SafetensorsHeader.JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }
}
