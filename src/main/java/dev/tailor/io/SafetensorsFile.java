package dev.tailor.io;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.SegmentStorage;
import dev.tailor.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors file mapped into memory. Opening validates the whole header (see
 * {@link SafetensorsHeader}); float tensors are then read in place from the mapping, never copied
 * onto the heap. The mapping lives as long as its arena: by default an automatic arena, so it
 * stays valid for as long as any tensor taken from it is reachable.
 */
public final class SafetensorsFile {

    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String source;            // the file name used in every message
    private final MemorySegment file;       // the whole file, read-only
    private final SafetensorsHeader header;
    private final Map<String, TensorInfo> byName; // data order

    private SafetensorsFile(String source, MemorySegment file) {
        this.source = source;
        this.file = file;
        this.header = SafetensorsHeader.parse(source, file);
        Map<String, TensorInfo> m = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) m.put(t.name(), t);
        this.byName = Collections.unmodifiableMap(m);
    }

    /** Maps and validates {@code file}; the mapping is released when it is no longer reachable. */
    public static SafetensorsFile open(Path file) { return open(file, Arena.ofAuto()); }

    /** Maps and validates {@code file} in {@code arena}; closing the arena unmaps it. */
    public static SafetensorsFile open(Path file, Arena arena) {
        MemorySegment mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new SafetensorsException(file + ": cannot open: " + e, e);
        }
        return new SafetensorsFile(file.toString(), mapped);
    }

    /** Validates safetensors bytes already in memory; {@code source} names them in messages. */
    public static SafetensorsFile of(String source, MemorySegment bytes) { return new SafetensorsFile(source, bytes.asReadOnly()); }

    /** The file name used in messages. */
    public String source() { return source; }

    /** Tensor names in the order their data lies in the file. */
    public List<String> names() { return new ArrayList<>(byName.keySet()); }

    public boolean contains(String name) { return byName.containsKey(name); }

    /** Every tensor's header entry, in data order. */
    public List<TensorInfo> infos() { return header.tensors(); }

    public TensorInfo info(String name) {
        TensorInfo t = byName.get(name);
        if (t == null) throw new SafetensorsException(source + ": no tensor '" + name + "' (" + byName.size() + " tensors in the file)");
        return t;
    }

    /** The {@code __metadata__} strings (empty if the file has none). */
    public Map<String, String> metadata() { return Collections.unmodifiableMap(header.metadata()); }

    /** The raw little-endian bytes of a tensor, read-only and in place. */
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return file.asSlice(header.dataStart() + t.begin(), t.byteSize());
    }

    /** An F32, BF16 or F16 tensor read in place from the mapping (no copy). */
    public Tensor tensor(String name) {
        TensorInfo t = info(name);
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
            throw new SafetensorsException(source + ": tensor '" + name + "' is " + t.dtype()
                    + "; tensor() maps F32, BF16 or F16 (use longs(), ints() or floats())");
        }
        return new Tensor(t.shape(), new SegmentStorage(bytes(name), t.dtype()));
    }

    /** A copy of an integer or BOOL tensor's elements widened to long (U8 and BOOL unsigned). */
    public long[] longs(String name) {
        TensorInfo t = info(name);
        MemorySegment s = bytes(name);
        long[] out = new long[checkedLength(t)];
        switch (t.dtype()) {
            case I64 -> MemorySegment.copy(s, I64_LE, 0, out, 0, out.length);
            case I32 -> { for (int i = 0; i < out.length; i++) out[i] = s.getAtIndex(I32_LE, i); }
            case I16 -> { for (int i = 0; i < out.length; i++) out[i] = s.getAtIndex(I16_LE, i); }
            case I8 -> { for (int i = 0; i < out.length; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i); }
            case U8, BOOL -> { for (int i = 0; i < out.length; i++) out[i] = s.get(ValueLayout.JAVA_BYTE, i) & 0xff; }
            default -> throw new SafetensorsException(source + ": tensor '" + name + "' is " + t.dtype() + ", not an integer type");
        }
        return out;
    }

    /** A copy of an integer tensor as int; an element outside the int range is refused by index. */
    public int[] ints(String name) {
        long[] wide = longs(name);
        int[] out = new int[wide.length];
        for (int i = 0; i < wide.length; i++) {
            if (wide[i] != (int) wide[i]) {
                throw new SafetensorsException(source + ": tensor '" + name + "' element " + i + " = " + wide[i] + " does not fit in an int");
            }
            out[i] = (int) wide[i];
        }
        return out;
    }

    /** A float32 copy of a float tensor (F64 rounded to nearest float). */
    public float[] floats(String name) {
        TensorInfo t = info(name);
        float[] out = new float[checkedLength(t)];
        if (t.dtype() == DType.F64) {
            MemorySegment s = bytes(name);
            for (int i = 0; i < out.length; i++) out[i] = (float) s.getAtIndex(F64_LE, i);
            return out;
        }
        tensor(name).storage().widen(0, out, 0, out.length);
        return out;
    }

    private int checkedLength(TensorInfo t) {
        if (t.numel() > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(source + ": tensor '" + t.name() + "' has " + t.numel() + " elements, too many to copy into a Java array");
        }
        return (int) t.numel();
    }

    @Override public String toString() { return "SafetensorsFile[" + source + ", " + byName.size() + " tensors]"; }
}
