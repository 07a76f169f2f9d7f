package dev.tailor.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.tailor.tensor.DType;
import dev.tailor.tensor.Shape;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated header of a safetensors file. Validation follows the reference
 * implementation (the Rust {@code safetensors} crate): a little-endian u64 header length of at most
 * 100,000,000 bytes, a UTF-8 JSON object, and tensors that tile the data section exactly, in
 * offset order, with no gap, overlap or trailing byte. Duplicate keys are refused.
 *
 * @param tensors   the tensors in data order (by offset; header order among empty tensors at one offset)
 * @param metadata  the {@code __metadata__} map (empty if absent), in header order
 * @param dataStart absolute offset of the data section: 8 + header length
 */
record SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata, long dataStart) {

    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    /** Valid safetensors dtypes that have no {@link DType} here: refused as unsupported, not unknown. */
    private static final List<String> KNOWN_UNSUPPORTED =
            List.of("U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "F8_E8M0", "E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64");
    private static final List<String> SUPPORTED =
            List.of("F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL");

    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static SafetensorsHeader parse(String source, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) throw error(source, "file is " + size + " bytes, shorter than the 8-byte header length");
        long n = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (Long.compareUnsigned(n, MAX_HEADER_BYTES) > 0) {
            throw error(source, "header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > size - 8) {
            throw error(source, "header length " + n + " runs past the end of the file (" + size + " bytes, " + (size - 8) + " after the length)");
        }
        JsonNode root = parseJson(source, decodeUtf8(source, file.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE)));
        long dataStart = 8 + n;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) metadata = parseMetadata(source, e.getValue());
            else tensors.add(parseEntry(source, e.getKey(), e.getValue()));
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end)); // stable
        checkLayout(source, tensors, size - dataStart);
        return new SafetensorsHeader(List.copyOf(tensors), metadata, dataStart);
    }

    private static String decodeUtf8(String source, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) r = decoder.flush(out);
        if (r.isError()) throw error(source, "header is not valid UTF-8 (bad byte at file offset " + (8 + in.position()) + ")");
        return out.flip().toString();
    }

    private static JsonNode parseJson(String source, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String what = e.getOriginalMessage().startsWith("Duplicate") ? "header has a duplicate key: " : "header is not valid JSON: ";
            var loc = e.getLocation();
            throw error(source, what + e.getOriginalMessage() + (loc == null ? "" : " (header column " + loc.getColumnNr() + ")"), e);
        }
        if (root == null || root.isMissingNode()) throw error(source, "header is empty, expected a JSON object");
        if (!root.isObject()) throw error(source, "header is a JSON " + kind(root) + ", expected an object");
        return root;
    }

    private static Map<String, String> parseMetadata(String source, JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isNull()) return out;
        if (!node.isObject()) throw error(source, "key '" + METADATA_KEY + "' is a JSON " + kind(node) + ", expected an object of strings");
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(source, "key '" + METADATA_KEY + "." + e.getKey() + "' is a JSON " + kind(e.getValue()) + ", expected a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private static TensorInfo parseEntry(String source, String name, JsonNode node) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw error(source, where + ": entry is a JSON " + kind(node) + ", expected an object with dtype, shape and data_offsets");
        JsonNode dt = node.get("dtype"), sh = node.get("shape"), off = node.get("data_offsets");
        if (dt == null) throw error(source, where + ": missing 'dtype'");
        if (sh == null) throw error(source, where + ": missing 'shape'");
        if (off == null) throw error(source, where + ": missing 'data_offsets'");
        if (!dt.isTextual()) throw error(source, where + ": 'dtype' is a JSON " + kind(dt) + ", expected a string");
        DType dtype = dtype(source, where, dt.textValue());
        if (!sh.isArray()) throw error(source, where + ": 'shape' is a JSON " + kind(sh) + ", expected an array of integers");
        int[] dims = new int[sh.size()];
        for (int i = 0; i < dims.length; i++) {
            long d = nonNegative(source, where + ": shape[" + i + "]", sh.get(i));
            if (d > Integer.MAX_VALUE) throw error(source, where + ": shape[" + i + "] = " + d + " exceeds the largest supported dimension " + Integer.MAX_VALUE);
            dims[i] = (int) d;
        }
        if (!off.isArray() || off.size() != 2) {
            throw error(source, where + ": 'data_offsets' is " + off + ", expected an array [begin, end] of two integers");
        }
        long begin = nonNegative(source, where + ": data_offsets[0]", off.get(0));
        long end = nonNegative(source, where + ": data_offsets[1]", off.get(1));
        Shape shape = Shape.of(dims);
        try {
            Math.multiplyExact(shape.numel(), (long) dtype.bytes);
        } catch (ArithmeticException overflow) {
            throw error(source, where + ": element count of shape " + shape + " overflows");
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static DType dtype(String source, String where, String name) {
        if (SUPPORTED.contains(name)) return DType.valueOf(name);
        if (KNOWN_UNSUPPORTED.contains(name)) throw error(source, where + ": dtype '" + name + "' is not supported (supported: " + SUPPORTED + ")");
        throw error(source, where + ": unknown dtype '" + name + "' (supported: " + SUPPORTED + ")");
    }

    private static long nonNegative(String source, String where, JsonNode n) {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw error(source, where + " is " + n + ", expected a non-negative 64-bit integer");
        }
        return n.longValue();
    }

    /** The tensors, sorted by offset, must tile [0, dataLength) exactly. */
    private static void checkLayout(String source, List<TensorInfo> sorted, long dataLength) {
        long cursor = 0;
        String previous = null;
        for (TensorInfo t : sorted) {
            String where = "tensor '" + t.name() + "': data_offsets [" + t.begin() + ", " + t.end() + "]";
            if (t.end() < t.begin()) throw error(source, where + " run backwards");
            if (t.begin() != cursor) {
                String after = previous == null ? "the start of the data section (0)" : "the end of tensor '" + previous + "' (" + cursor + ")";
                String fault = t.begin() < cursor ? " overlap " : " leave a hole of " + (t.begin() - cursor) + " bytes after ";
                throw error(source, where + fault + after + "; expected to begin at " + cursor);
            }
            long needed = t.shape().numel() * t.dtype().bytes;
            if (t.byteSize() != needed) {
                throw error(source, where + " hold " + t.byteSize() + " bytes, but " + t.dtype() + " " + t.shape() + " needs " + needed);
            }
            if (t.end() > dataLength) throw error(source, where + " run past the end of the data section (" + dataLength + " bytes)");
            cursor = t.end();
            previous = t.name();
        }
        if (cursor != dataLength) {
            String last = previous == null ? "the header (no tensors)" : "the last tensor '" + previous + "'";
            throw error(source, (dataLength - cursor) + " trailing bytes after " + last + ": data section is " + dataLength + " bytes, tensors end at " + cursor);
        }
    }

    static String kind(JsonNode n) { return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT); }

    static SafetensorsException error(String source, String message) { return new SafetensorsException(source + ": " + message); }

    static SafetensorsException error(String source, String message, Throwable cause) {
        return new SafetensorsException(source + ": " + message, cause);
    }
}
