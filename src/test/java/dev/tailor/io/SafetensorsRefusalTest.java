package dev.tailor.io;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.tailor.io.SafetensorsFileTest.file;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every validation rule of the reader: refused with a message naming the file and the tensor or key. */
class SafetensorsRefusalTest {

    @TempDir Path dir;

    private static final String X = "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    static String entry(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    static byte[] withLength(long headerLength, int totalBytes) {
        return ByteBuffer.allocate(totalBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    static Stream<Arguments> cases() {
        byte[] notUtf8 = file("{\"x\":\"\u00e9\"}", new byte[0]);
        notUtf8[8 + 6] = (byte) 0xC3;
        notUtf8[8 + 7] = (byte) 0x28; // 0xC3 0x28 is an invalid two-byte sequence
        return Stream.of(
                arguments("shorter than 8 bytes", new byte[5], new String[] {"5 bytes, shorter than the 8-byte header length"}),
                arguments("header too large", withLength(100_000_001L, 16), new String[] {"header length 100000001 exceeds the limit"}),
                arguments("header length huge unsigned", withLength(-1L, 16), new String[] {"header length 18446744073709551615 exceeds"}),
                arguments("header past end", withLength(100, 50), new String[] {"header length 100 runs past the end of the file (50 bytes"}),
                arguments("not UTF-8", notUtf8, new String[] {"not valid UTF-8", "file offset 14"}),
                arguments("not JSON", file("{\"x\": nope}", new byte[0]), new String[] {"header is not valid JSON"}),
                arguments("trailing JSON", file("{} {}", new byte[0]), new String[] {"header is not valid JSON"}),
                arguments("empty header", file("   ", new byte[0]), new String[] {"header is empty"}),
                arguments("not an object", file("[1,2]", new byte[0]), new String[] {"header is a JSON array, expected an object"}),
                arguments("entry not object", file("{\"x\":[1]}", new byte[0]), new String[] {"tensor 'x': entry is a JSON array"}),
                arguments("missing dtype", file("{\"x\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), new String[] {"tensor 'x': missing 'dtype'"}),
                arguments("missing shape", file("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]), new String[] {"tensor 'x': missing 'shape'"}),
                arguments("missing offsets", file("{\"x\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), new String[] {"tensor 'x': missing 'data_offsets'"}),
                arguments("dtype not string", file("{\"x\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), new String[] {"tensor 'x': 'dtype' is a JSON number"}),
                arguments("shape not array", file("{" + entry("x", "F32", "\"2\"", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': 'shape' is a JSON string"}),
                arguments("negative dim", file("{" + entry("x", "F32", "[-2]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': shape[0] is -2"}),
                arguments("fractional dim", file("{" + entry("x", "F32", "[2.5]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': shape[0] is 2.5"}),
                arguments("dim too large", file("{" + entry("x", "U8", "[4294967296]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': shape[0] = 4294967296 exceeds"}),
                arguments("offsets three long", file("{" + entry("x", "F32", "[2]", "[0,4,8]") + "}", new byte[8]), new String[] {"tensor 'x': 'data_offsets' is [0,4,8]"}),
                arguments("offset not integer", file("{" + entry("x", "F32", "[2]", "[0,\"8\"]") + "}", new byte[8]), new String[] {"tensor 'x': data_offsets[1] is \"8\""}),
                arguments("offset beyond 64 bits", file("{" + entry("x", "F32", "[2]", "[0,99999999999999999999]") + "}", new byte[8]), new String[] {"tensor 'x': data_offsets[1] is 99999999999999999999"}),
                arguments("unknown dtype", file("{" + entry("x", "F17", "[2]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': unknown dtype 'F17'", "BF16"}),
                arguments("unsupported dtype", file("{" + entry("x", "U16", "[2]", "[0,4]") + "}", new byte[4]), new String[] {"tensor 'x': dtype 'U16' is not supported"}),
                arguments("duplicate name", file("{" + X + "," + X + "}", new byte[8]), new String[] {"duplicate key", "'x'"}),
                arguments("does not start at 0", file("{" + entry("x", "F32", "[1]", "[4,8]") + "}", new byte[8]), new String[] {"tensor 'x': data_offsets [4, 8] leave a hole of 4 bytes after the start"}),
                arguments("overlap", file("{" + X + "," + entry("y", "F32", "[1]", "[4,8]") + "}", new byte[8]), new String[] {"tensor 'y': data_offsets [4, 8] overlap the end of tensor 'x' (8)"}),
                arguments("hole", file("{" + X + "," + entry("y", "F32", "[1]", "[12,16]") + "}", new byte[16]), new String[] {"tensor 'y': data_offsets [12, 16] leave a hole of 4 bytes after the end of tensor 'x'"}),
                arguments("backwards", file("{" + entry("x", "F32", "[0]", "[8,0]") + "}", new byte[8]), new String[] {"tensor 'x': data_offsets [8, 0] run backwards"}),
                arguments("past the end", file("{" + X + "}", new byte[4]), new String[] {"tensor 'x': data_offsets [0, 8] run past the end of the data section (4 bytes)"}),
                arguments("size mismatch", file("{" + entry("x", "BF16", "[3]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': data_offsets [0, 8] hold 8 bytes, but BF16 [3] needs 6"}),
                arguments("element count overflow", file("{" + entry("x", "F64", "[2147483647,2147483647,2147483647]", "[0,8]") + "}", new byte[8]), new String[] {"tensor 'x': element count of shape [2147483647, 2147483647, 2147483647] overflows"}),
                arguments("trailing bytes", file("{" + X + "}", new byte[11]), new String[] {"3 trailing bytes after the last tensor 'x'"}),
                arguments("metadata not object", file("{\"__metadata__\":[1]}", new byte[0]), new String[] {"key '__metadata__' is a JSON array"}),
                arguments("metadata value not string", file("{\"__metadata__\":{\"format\":1}}", new byte[0]), new String[] {"key '__metadata__.format' is a JSON number"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesNamingFileAndKey(String name, byte[] bytes, String[] expected) throws IOException {
        Path p = dir.resolve(name.replace(' ', '_') + ".safetensors");
        Files.write(p, bytes);
        var e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().startsWith(p + ": "), "names the file: " + e.getMessage());
        for (String s : expected) assertTrue(e.getMessage().contains(s), "expected '" + s + "' in: " + e.getMessage());
    }
}
