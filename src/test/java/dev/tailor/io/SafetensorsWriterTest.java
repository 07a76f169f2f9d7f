package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.QuantizedStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsWriterTest {

    @TempDir Path dir;

    @Test
    void writesTheReferenceLayoutByteForByte() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafetensorsWriter.write(p, List.of(TensorEntry.floats("w", DType.F32, new float[] {1f, -2f}, 2)), Map.of("format", "pt"));
        // 85 bytes of JSON padded with 3 spaces to 88, a multiple of 8.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}   ";
        byte[] expected = ByteBuffer.allocate(8 + 88 + 8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(88).put(json.getBytes(StandardCharsets.US_ASCII))
                .putInt(0x3F800000).putInt(0xC0000000) // 1.0f, -2.0f
                .array();
        assertArrayEquals(expected, Files.readAllBytes(p));
    }

    @Test
    void roundTripsEveryKindOfEntryInTheGivenOrder() {
        Path p = dir.resolve("all.safetensors");
        float[] w = {0.5f, -1.25f, 3f, 7f, -0f, 1e-3f};
        List<TensorEntry> entries = List.of(
                TensorEntry.longs("ids", new long[] {1, -100, 1L << 40}, 3),
                TensorEntry.of("w", Tensor.of(w, 2, 3)),
                TensorEntry.ints("i", new int[] {-1, 2}, 2, 1),
                TensorEntry.floats("scalar", DType.F32, new float[] {42f}),
                TensorEntry.floats("empty", DType.BF16, new float[0], 0, 5),
                TensorEntry.raw("mask", DType.U8, new byte[] {0, (byte) 200}, 2));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcode");
        SafetensorsWriter.write(p, entries, meta);
        SafetensorsFile f = SafetensorsFile.open(p);
        assertEquals(List.of("ids", "w", "i", "scalar", "empty", "mask"), f.names());
        assertEquals(meta, f.metadata());
        assertArrayEquals(new long[] {1, -100, 1L << 40}, f.longs("ids"));
        assertArrayEquals(w, f.floats("w"));
        assertEquals(Shape.of(2, 3), f.info("w").shape());
        assertArrayEquals(new int[] {-1, 2}, f.ints("i"));
        assertEquals(42f, f.tensor("scalar").item());
        assertEquals(0, f.tensor("scalar").rank());
        assertEquals(Shape.of(0, 5), f.tensor("empty").shape());
        assertArrayEquals(new long[] {0, 200}, f.longs("mask"));
        assertEquals(0, (8 + f.info("ids").begin() + headerLength(p)) % 8, "data section starts 8-byte aligned");
    }

    private static long headerLength(Path p) {
        try {
            return ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void narrowsToBf16AndF16WithRoundToNearestEven() {
        // Hand-worked: 1 + 2^-8 lies halfway between bf16 1.0 (0x3F80) and 0x3F81 -> even 0x3F80;
        // 1 + 3*2^-8 halfway between 0x3F81 and 0x3F82 -> even 0x3F82; 1 + 2^-8 + 2^-20 is above halfway -> 0x3F81.
        float[] bf = {1f, 1f + 0x1p-8f, 1f + 3 * 0x1p-8f, 1f + 0x1p-8f + 0x1p-20f, -2f};
        short[] bfBits = {0x3F80, 0x3F80, 0x3F82, 0x3F81, (short) 0xC000};
        // f16 has 10 mantissa bits: 1 + 2^-11 ties to 1.0 (0x3C00); 1 + 3*2^-11 ties up to 0x3C02; 65520 rounds to +inf (0x7C00).
        float[] hf = {1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 65520f, 0.5f};
        short[] hfBits = {0x3C00, 0x3C02, 0x7C00, 0x3800};
        Path p = dir.resolve("half.safetensors");
        SafetensorsWriter.write(p, List.of(TensorEntry.floats("bf", DType.BF16, bf, 5), TensorEntry.of("hf", Tensor.of(hf, 4), DType.F16)));
        SafetensorsFile f = SafetensorsFile.open(p);
        var bfSeg = f.bytes("bf");
        for (int i = 0; i < bf.length; i++) assertEquals(bfBits[i], bfSeg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i), "bf16 element " + i);
        var hfSeg = f.bytes("hf");
        for (int i = 0; i < hf.length; i++) assertEquals(hfBits[i], hfSeg.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i), "f16 element " + i);
    }

    @Test
    void mappedTensorsAreCopiedBitForBitInTheirOwnDtype() throws Exception {
        Path shard = Path.of(getClass().getResource("/golden/llama3-bf16/model/model-00002-of-00002.safetensors").toURI());
        SafetensorsFile src = SafetensorsFile.open(shard);
        String name = "model.layers.1.mlp.up_proj.weight";
        Path p = dir.resolve("copy.safetensors");
        SafetensorsWriter.write(p, List.of(TensorEntry.of(name, src.tensor(name))));
        SafetensorsFile copy = SafetensorsFile.open(p);
        assertEquals(DType.BF16, copy.info(name).dtype());
        assertArrayEquals(src.bytes(name).toArray(ValueLayout.JAVA_BYTE), copy.bytes(name).toArray(ValueLayout.JAVA_BYTE));
        // Widening to F32 on the way out keeps every bf16 value exactly.
        Path wide = dir.resolve("wide.safetensors");
        SafetensorsWriter.write(wide, List.of(TensorEntry.of(name, src.tensor(name), DType.F32)));
        assertArrayEquals(src.floats(name), SafetensorsFile.open(wide).floats(name));
    }

    /** A storage whose source fails mid-stream, standing in for a disk error during a long write. */
    record FailingStorage(long length) implements QuantizedStorage {
        @Override public DType dtype() { return DType.NF4; }
        @Override public float get(long i) { throw new IllegalStateException("source failed"); }
        @Override public void widen(long from, float[] dst, int dstOff, int n) { throw new IllegalStateException("source failed"); }
        @Override public long byteSize() { return length / 2; }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path p = dir.resolve("model.safetensors");
        SafetensorsWriter.write(p, List.of(TensorEntry.floats("a", DType.F32, new float[] {1f}, 1)));
        byte[] before = Files.readAllBytes(p);
        Tensor failing = new Tensor(Shape.of(4), new FailingStorage(4));
        assertThrows(IllegalStateException.class,
                () -> SafetensorsWriter.write(p, List.of(TensorEntry.floats("b", DType.F32, new float[] {2f}, 1), TensorEntry.of("c", failing))));
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("model.safetensors"), files.map(x -> x.getFileName().toString()).toList());
        }
        SafetensorsWriter.write(p, List.of(TensorEntry.floats("b", DType.F32, new float[] {2f}, 1)));
        assertEquals(List.of("b"), SafetensorsFile.open(p).names(), "a successful write replaces the file");
    }

    @Test
    void refusesInconsistentEntries() {
        var count = assertThrows(IllegalArgumentException.class, () -> TensorEntry.floats("w", DType.F32, new float[3], 2, 2));
        assertTrue(count.getMessage().contains("'w'") && count.getMessage().contains("expected 4 values, got 3"), count.getMessage());
        var type = assertThrows(IllegalArgumentException.class, () -> TensorEntry.floats("w", DType.I64, new float[1], 1));
        assertTrue(type.getMessage().contains("'w'"), type.getMessage());
        var dup = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.write(dir.resolve("d.safetensors"),
                List.of(TensorEntry.longs("a", new long[1], 1), TensorEntry.longs("a", new long[1], 1))));
        assertTrue(dup.getMessage().contains("'a' is listed twice"), dup.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TensorEntry.longs("__metadata__", new long[1], 1));
        assertTrue(Arrays.stream(dir.toFile().list()).noneMatch(n -> n.endsWith(".tmp")));
    }
}
