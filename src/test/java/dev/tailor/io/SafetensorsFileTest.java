package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Shape;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsFileTest {

    @TempDir Path dir;

    /** A file with the given header text (not padded) followed by {@code data}. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(data).array();
    }

    static byte[] le(int bytes, ByteBufferFill fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.fill(b);
        return b.array();
    }

    interface ByteBufferFill { void fill(ByteBuffer b); }

    Path save(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    static Path resource(String path) throws URISyntaxException {
        return Path.of(SafetensorsFileTest.class.getResource(path).toURI());
    }

    @Test
    void readsHandWrittenFileInPlaceInDataOrder() throws IOException {
        // Header lists b before a, but a's bytes come first: names() follows the data.
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[8,10]},"
                + "\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] data = le(10, b -> b.putFloat(1.5f).putFloat(-2f).putShort((short) 0x3FC0)); // bf16 0x3FC0 = 1.5
        SafetensorsFile f = SafetensorsFile.open(save("hand.safetensors", file(header, data)));
        assertEquals(List.of("a", "b"), f.names());
        assertEquals(Map.of("format", "pt"), f.metadata());
        TensorInfo a = f.info("a");
        assertEquals(new TensorInfo("a", DType.F32, Shape.of(2), 0, 8), a);
        Tensor ta = f.tensor("a");
        assertInstanceOf(SegmentStorage.class, ta.storage(), "float tensors are read in place from the mapping");
        assertEquals(1.5f, ta.get(0));
        assertEquals(-2f, ta.get(1));
        Tensor tb = f.tensor("b");
        assertEquals(0, tb.rank());
        assertEquals(DType.BF16, tb.dtype());
        assertEquals(1.5f, tb.item());
        assertArrayEquals(new float[] {1.5f, -2f}, f.floats("a"));
    }

    @Test
    void headerPaddedWithSpacesAndLeadingWhitespaceIsValid() throws IOException {
        String header = "  {\"x\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}}      ";
        SafetensorsFile f = SafetensorsFile.open(save("pad.safetensors", file(header, le(2, b -> b.putShort((short) 0x3C00)))));
        assertEquals(1f, f.tensor("x").item()); // f16 0x3C00 = 1.0
    }

    @Test
    void zeroSizeTensorsScalarsAndEmptyFilesAreValid() throws IOException {
        String header = "{\"e1\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]},"
                + "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"e2\":{\"dtype\":\"BF16\",\"shape\":[4,0],\"data_offsets\":[8,8]}}";
        SafetensorsFile f = SafetensorsFile.open(save("zero.safetensors", file(header, le(8, b -> b.putLong(-7))))); 
        assertEquals(List.of("e1", "s", "e2"), f.names());
        assertEquals(0, f.tensor("e1").size());
        assertEquals(Shape.of(4, 0), f.tensor("e2").shape());
        assertArrayEquals(new long[] {-7}, f.longs("s"));
        assertEquals(0, SafetensorsFile.open(save("empty.safetensors", file("{}", new byte[0]))).names().size());
    }

    @Test
    void integerTensorsAreCopiedOutAndNarrowedWithARangeCheck() throws IOException {
        String header = "{\"ids\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[0,24]},"
                + "\"m\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[24,26]},"
                + "\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[26,30]}}";
        byte[] data = le(30, b -> b.putLong(5).putLong(-100).putLong(1L << 40).put((byte) 0xff).put((byte) 1).putInt(-3));
        Path p = save("ints.safetensors", file(header, data));
        SafetensorsFile f = SafetensorsFile.open(p);
        assertArrayEquals(new long[] {5, -100, 1L << 40}, f.longs("ids"));
        assertArrayEquals(new long[] {255, 1}, f.longs("m"), "U8 is unsigned");
        assertArrayEquals(new int[] {-3}, f.ints("i"));
        var e = assertThrows(SafetensorsException.class, () -> f.ints("ids"));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'ids' element 2"), e.getMessage());
        var notFloat = assertThrows(SafetensorsException.class, () -> f.tensor("ids"));
        assertTrue(notFloat.getMessage().contains(p.toString()) && notFloat.getMessage().contains("'ids' is I64"), notFloat.getMessage());
        var missing = assertThrows(SafetensorsException.class, () -> f.info("nope"));
        assertTrue(missing.getMessage().contains(p.toString()) && missing.getMessage().contains("'nope'"), missing.getMessage());
    }

    @Test
    void readsGoldenInt64InputsAndBf16Weights() throws URISyntaxException {
        // README of the fixtures: input_ids and labels are I64 (2, 17); the first 5 / 9 labels of each row are -100.
        SafetensorsFile g = SafetensorsFile.open(resource("/golden/llama3-bf16/golden.safetensors"));
        assertEquals(new TensorInfo("input_ids", DType.I64, Shape.of(2, 17), g.info("input_ids").begin(), g.info("input_ids").begin() + 2 * 17 * 8),
                g.info("input_ids"));
        int[] ids = g.ints("input_ids");
        for (int id : ids) assertTrue(id >= 0 && id < 300, "token id " + id + " within vocab_size 300");
        int[] labels = g.ints("labels");
        for (int t = 0; t < 17; t++) {
            assertEquals(t < 5, labels[t] == -100, "row 0, position " + t);
            assertEquals(t < 9, labels[17 + t] == -100, "row 1, position " + t);
        }
        SafetensorsFile shard = SafetensorsFile.open(resource("/golden/llama3-bf16/model/model-00001-of-00002.safetensors"));
        Tensor emb = shard.tensor("model.embed_tokens.weight");
        assertEquals(Shape.of(300, 64), emb.shape());
        assertEquals(DType.BF16, emb.dtype());
    }
}
