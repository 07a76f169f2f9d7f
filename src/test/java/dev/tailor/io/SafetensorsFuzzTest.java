package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Random damage to a valid file: every mutant either loads (and every tensor then reads) or is
 * refused with a {@link SafetensorsException}; no other exception, no hang.
 */
class SafetensorsFuzzTest {

    private static final long SEED = 0x5AFE_7E45L;
    private static final int MUTANTS = 3000;
    private static final String[] JSON_BITS = {"{", "}", "[", "]", "\"", ",", ":", "-", "0", "9", " ", "null", "true", "1e999",
            "18446744073709551616", "\"F32\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\\u0000", "\u00e9"};
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    @TempDir Path dir;

    private byte[] validFile() throws IOException {
        Path p = dir.resolve("base.safetensors");
        SafetensorsWriter.write(p, List.of(
                TensorEntry.floats("w", DType.F32, new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                TensorEntry.floats("b", DType.BF16, new float[] {0.5f, -1f, 2f}, 3),
                TensorEntry.floats("h", DType.F16, new float[] {1f, 2f}, 2),
                TensorEntry.longs("ids", new long[] {1, -100, 7}, 1, 3),
                TensorEntry.floats("s", DType.F32, new float[] {9f}),
                TensorEntry.floats("z", DType.F32, new float[0], 0, 4),
                TensorEntry.raw("m", DType.U8, new byte[] {1, 0, 1}, 3)), Map.of("format", "pt"));
        return Files.readAllBytes(p);
    }

    @Test
    void mutantsLoadOrAreRefusedNeverAnythingElse() throws IOException {
        byte[] base = validFile();
        int headerEnd = 8 + (int) ByteBuffer.wrap(base, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Random rnd = new Random(SEED);
            int loaded = 0, refused = 0;
            for (int i = 0; i < MUTANTS; i++) {
                int kind = rnd.nextInt(7);
                byte[] m = kind == 6 ? flipDataBits(base, headerEnd, rnd) : mutate(base, headerEnd, kind, rnd);
                String source = "mutant-" + i + "-kind-" + kind;
                try {
                    SafetensorsFile f = i % 40 == 0 ? openFromDisk(source, m) : SafetensorsFile.of(source, MemorySegment.ofArray(m));
                    readEverything(f);
                    loaded++;
                } catch (SafetensorsException expected) {
                    if (kind == 6) fail(source + ": damage to tensor bytes alone must not make the file invalid", expected);
                    assertTrue(expected.getMessage().contains(source), "message names the source: " + expected.getMessage());
                    refused++;
                } catch (Throwable other) {
                    fail(source + " (" + Arrays.toString(Arrays.copyOf(m, Math.min(m.length, 64))) + "...) threw " + other, other);
                }
            }
            // The mutations must exercise both outcomes, or the test proves little.
            assertTrue(loaded > MUTANTS / 20, "loaded " + loaded);
            assertTrue(refused > MUTANTS / 4, "refused " + refused);
        });
    }

    private SafetensorsFile openFromDisk(String source, byte[] bytes) throws IOException {
        Path p = dir.resolve(source + ".safetensors");
        Files.write(p, bytes);
        try {
            return SafetensorsFile.open(p);
        } catch (SafetensorsException e) {
            throw new SafetensorsException(source + ": " + e.getMessage(), e);
        }
    }

    private static void readEverything(SafetensorsFile f) {
        f.metadata();
        for (TensorInfo t : f.infos()) {
            switch (t.dtype()) {
                case F32, BF16, F16 -> {
                    Tensor x = f.tensor(t.name());
                    float[] all = new float[x.size()];
                    x.storage().widen(0, all, 0, all.length);
                    assertEquals(t.shape(), x.shape());
                }
                case F64 -> f.floats(t.name());
                case I64, I32, I16, I8, U8, BOOL -> f.longs(t.name());
                default -> fail("dtype " + t.dtype() + " accepted for " + t.name());
            }
            assertEquals(t.byteSize(), f.bytes(t.name()).byteSize());
        }
    }

    private static byte[] mutate(byte[] base, int headerEnd, int kind, Random rnd) {
        return switch (kind) {
            case 0 -> flipBits(base, rnd);
            case 1 -> Arrays.copyOf(base, rnd.nextInt(base.length + 1)); // truncation
            case 2 -> editNumber(base, headerEnd, rnd);
            case 3 -> insertInHeader(base, headerEnd, rnd);
            case 4 -> {                                                   // new header length
                byte[] m = base.clone();
                long len = rnd.nextBoolean() ? headerEnd - 8 + rnd.nextInt(17) - 8 : rnd.nextLong();
                ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
                yield m;
            }
            default -> {                                                  // delete or append a run of bytes
                int at = rnd.nextInt(base.length), n = 1 + rnd.nextInt(16);
                if (rnd.nextBoolean()) yield concat(Arrays.copyOf(base, at), Arrays.copyOfRange(base, Math.min(base.length, at + n), base.length));
                byte[] extra = new byte[n];
                rnd.nextBytes(extra);
                yield concat(base, extra);
            }
        };
    }

    /** Damage confined to the data section: the header still describes the file exactly. */
    private static byte[] flipDataBits(byte[] base, int headerEnd, Random rnd) {
        byte[] m = base.clone();
        int at = headerEnd + rnd.nextInt(m.length - headerEnd);
        m[at] ^= (byte) (1 << rnd.nextInt(8));
        return m;
    }

    private static byte[] flipBits(byte[] base, Random rnd) {
        byte[] m = base.clone();
        int flips = 1 + rnd.nextInt(4);
        for (int k = 0; k < flips; k++) {
            int at = rnd.nextInt(m.length);
            m[at] ^= (byte) (1 << rnd.nextInt(8));
        }
        return m;
    }

    /** Replaces one number of the header JSON with a nearby, zero, negative or huge value, keeping the length field right. */
    private static byte[] editNumber(byte[] base, int headerEnd, Random rnd) {
        String header = new String(base, 8, headerEnd - 8, StandardCharsets.UTF_8);
        List<int[]> spans = new ArrayList<>();
        Matcher mt = NUMBER.matcher(header);
        while (mt.find()) spans.add(new int[] {mt.start(), mt.end()});
        int[] s = spans.get(rnd.nextInt(spans.size()));
        long old = Long.parseLong(header.substring(s[0], s[1]));
        String replacement = switch (rnd.nextInt(6)) {
            case 0 -> Long.toString(old + rnd.nextInt(9) - 4);
            case 1 -> "0";
            case 2 -> "-" + old;
            case 3 -> Long.toString(rnd.nextLong() >>> rnd.nextInt(64));
            case 4 -> "99999999999999999999999";
            default -> old + ".5";
        };
        return rebuild(base, headerEnd, header.substring(0, s[0]) + replacement + header.substring(s[1]));
    }

    private static byte[] insertInHeader(byte[] base, int headerEnd, Random rnd) {
        String header = new String(base, 8, headerEnd - 8, StandardCharsets.UTF_8);
        int at = rnd.nextInt(header.length() + 1);
        String edited = header.substring(0, at) + JSON_BITS[rnd.nextInt(JSON_BITS.length)] + header.substring(at);
        byte[] m = rebuild(base, headerEnd, edited);
        if (rnd.nextInt(4) == 0) ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, headerEnd - 8); // stale length
        return m;
    }

    private static byte[] rebuild(byte[] base, int headerEnd, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + base.length - headerEnd).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length).put(h).put(base, headerEnd, base.length - headerEnd).array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
