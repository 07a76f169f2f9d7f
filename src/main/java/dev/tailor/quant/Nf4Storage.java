package dev.tailor.quant;

import dev.tailor.tensor.DType;
import dev.tailor.tensor.FloatStorage;
import dev.tailor.tensor.Parallel;
import dev.tailor.tensor.QuantizedStorage;
import dev.tailor.tensor.Storage;
import dev.tailor.tensor.Tensor;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A frozen weight in 4-bit NormalFloat with double quantisation (QLoRA). Elements are taken in
 * storage order in blocks of {@link #BLOCK}; each block keeps 4-bit indices into {@link Nf4Code}
 * and its absmax, and the absmax values are themselves quantised to 8 bits ({@link BlockScales}).
 * Element i decodes to {@code LEVEL[index(i)] * absmax(block(i))}: about 4.127 bits per weight.
 *
 * <p>Packing as bitsandbytes: two indices per byte, the even element in the high nibble. A last
 * partial block is allowed (its absmax is over the elements present); the unused nibble of an
 * odd-length tensor holds the zero index.
 *
 * <p>{@link #widen} is the kernels' path: it decodes whole blocks with a vector table lookup (the
 * 16 levels fit one or two int vectors; each index selects a lane). {@link #widenScalar} is its
 * plain twin and must give bit-identical floats: both compute the same float product.
 */
public final class Nf4Storage implements QuantizedStorage {

    /** Elements per NF4 block (bitsandbytes' default blocksize for QLoRA). */
    public static final int BLOCK = 64;

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** L bytes where L is the float lane count: the vector step loads L bytes and uses the first L/2. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    private static final int L = F.length();
    /** The table lookup needs 16 levels in one (L = 16) or two (L = 8) vectors; other widths decode scalar. */
    private static final boolean VECTOR = (L == 8 || L == 16) && B.length() == L;
    private static final int[] LEVEL_BITS = new int[16];
    private static final VectorShuffle<Byte> DUPLICATE = VectorShuffle.fromOp(B, i -> i / 2); // byte j -> lanes 2j, 2j+1
    private static final IntVector NIBBLE_SHIFT = IntVector.fromArray(I, shifts(), 0);          // 4, 0, 4, 0, ...

    static {
        for (int i = 0; i < 16; i++) LEVEL_BITS[i] = Float.floatToRawIntBits(Nf4Code.LEVEL[i]);
    }

    private final long length;
    private final byte[] packed;       // (ceil(length / 2)) two 4-bit indices per byte, even element high
    private final BlockScales absmax;  // (ceil(length / BLOCK)) double-quantised block absmax

    private Nf4Storage(long length, byte[] packed, BlockScales absmax) {
        this.length = length;
        this.packed = packed;
        this.absmax = absmax;
    }

    private static int[] shifts() {
        int[] s = new int[L];
        for (int i = 0; i < L; i += 2) s[i] = 4;
        return s;
    }

    // ---- quantisation ----

    /** {@code t} with its storage quantised to NF4 (same shape, no gradient). */
    public static Tensor quantise(Tensor t) {
        return new Tensor(t.shape(), quantise(t.storage()));
    }

    /**
     * Quantises any float storage (F32 array, BF16/F16/F32 mapped) a run of blocks at a time, so
     * no float32 copy of the whole weight is made. Work is split over {@link Parallel} by blocks;
     * each block's absmax and indices are computed a vector at a time ({@link #quantiseScalar} is
     * the plain twin and gives the same bytes).
     */
    public static Nf4Storage quantise(Storage src) {
        return quantise(src, VECTOR);
    }

    /** The plain twin of {@link #quantise(Storage)}: element by element, binary search for each index. */
    public static Nf4Storage quantiseScalar(Storage src) {
        return quantise(src, false);
    }

    private static Nf4Storage quantise(Storage src, boolean vector) {
        long n = src.length();
        if ((n + 1) / 2 > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("NF4 storage holds at most 2^32 - 18 elements, got " + n);
        int blocks = Math.toIntExact((n + BLOCK - 1) / BLOCK);
        byte[] packed = new byte[(int) ((n + 1) / 2)];
        float[] absmax = new float[blocks]; // (blocks) exact float32 absmax, before double quantisation
        int runBlocks = BlockScales.GROUP;
        Parallel.forChunks(blocks, runBlocks, (chunk, from, to) -> {
            float[] run = new float[runBlocks * BLOCK];
            int[] idx = new int[BLOCK];
            for (int b = from; b < to; b += runBlocks) {
                long start = (long) b * BLOCK;
                int count = (int) Math.min((long) Math.min(runBlocks, to - b) * BLOCK, n - start);
                src.widen(start, run, 0, count);
                for (int off = 0; off < count; off += BLOCK) {
                    int len = Math.min(BLOCK, count - off), block = b + off / BLOCK;
                    if (vector && len == BLOCK) absmax[block] = indicesVector(run, off, idx);
                    else absmax[block] = indicesScalar(run, off, len, idx);
                    if (!Float.isFinite(absmax[block])) throw nonFinite(run, off, len, block, src);
                    pack(idx, len, packed, (int) ((long) block * BLOCK / 2));
                }
            }
        });
        return new Nf4Storage(n, packed, BlockScales.quantise(absmax));
    }

    /** idx[j] = nearest level of x[off + j] / absmax for one block of {@code len}; returns absmax. */
    private static float indicesScalar(float[] x, int off, int len, int[] idx) {
        float max = 0f;
        for (int j = 0; j < len; j++) max = Math.max(max, Math.abs(x[off + j]));
        float inv = max == 0f ? 0f : 1f / max; // bitsandbytes multiplies by the reciprocal
        for (int j = 0; j < len; j++) idx[j] = Nf4Code.index(x[off + j] * inv);
        return max;
    }

    /** {@link #indicesScalar} for a whole block: the index is the count of midpoints below x / absmax. */
    private static float indicesVector(float[] x, int off, int[] idx) {
        FloatVector max = FloatVector.zero(F);
        for (int j = 0; j < BLOCK; j += L) max = max.max(FloatVector.fromArray(F, x, off + j).abs());
        float m = max.reduceLanes(VectorOperators.MAX);
        float inv = m == 0f ? 0f : 1f / m;
        IntVector one = IntVector.broadcast(I, 1);
        for (int j = 0; j < BLOCK; j += L) {
            FloatVector u = FloatVector.fromArray(F, x, off + j).mul(inv);
            IntVector q = IntVector.zero(I);
            for (int t = 0; t < 15; t++) q = q.add(one, u.compare(VectorOperators.GT, Nf4Code.MID[t]).cast(I));
            q.intoArray(idx, j);
        }
        return m;
    }

    /** Two indices per byte, the even element in the high nibble; a missing odd element is the zero index. */
    private static void pack(int[] idx, int len, byte[] packed, int p) {
        for (int j = 0; j < len; j += 2) {
            int lo = j + 1 < len ? idx[j + 1] : Nf4Code.ZERO;
            packed[p + j / 2] = (byte) (idx[j] << 4 | lo);
        }
    }

    private static IllegalArgumentException nonFinite(float[] x, int off, int len, int block, Storage src) {
        int j = 0;
        while (j < len - 1 && Float.isFinite(x[off + j])) j++;
        return new IllegalArgumentException("cannot quantise a non-finite value (" + x[off + j] + ") at element "
                + ((long) block * BLOCK + j) + " of a " + src.dtype() + " storage of " + src.length() + " elements");
    }

    // ---- Storage ----

    @Override public DType dtype() { return DType.NF4; }

    @Override public long length() { return length; }

    /** Packed indices, one byte per block of double-quantised absmax, one float per 256 blocks, the mean. */
    @Override public long byteSize() { return packed.length + absmax.byteSize(); }

    /** Storage bits per weight: 4 + 8/64 + 32/(64*256) plus the per-tensor mean, about 4.127. */
    public double bitsPerParameter() { return 8.0 * byteSize() / length; }

    /** The double-quantised absmax of block {@code b} as decoding uses it. */
    public float blockAbsmax(int b) { return absmax.get(b); }

    /** The double-quantised block scales. */
    public BlockScales scales() { return absmax; }

    @Override public float get(long i) {
        if (i < 0 || i >= length) throw new IndexOutOfBoundsException("element " + i + " of an NF4 storage of " + length);
        return Nf4Code.LEVEL[index(i)] * absmax.get((int) (i / BLOCK));
    }

    /** The 4-bit index of element {@code i}. */
    int index(long i) {
        int b = packed[(int) (i >>> 1)];
        return (i & 1) == 0 ? (b >>> 4) & 15 : b & 15;
    }

    /** The plain twin of {@link #widen}: element by element through {@link #get}. */
    public void widenScalar(long from, float[] dst, int dstOff, int n) {
        checkRange(from, dst, dstOff, n);
        for (int j = 0; j < n; j++) dst[dstOff + j] = get(from + j);
    }

    /** Decodes [from, from + n) block by block: one absmax per block, a vector table lookup per L elements. */
    @Override public void widen(long from, float[] dst, int dstOff, int n) {
        checkRange(from, dst, dstOff, n);
        long i = from, end = from + n;
        int o = dstOff;
        while (i < end) {
            int block = (int) (i / BLOCK);
            long blockEnd = Math.min((long) (block + 1) * BLOCK, end);
            int count = (int) (blockEnd - i);
            decode(i, count, absmax.get(block), dst, o);
            o += count;
            i = blockEnd;
        }
    }

    private void checkRange(long from, float[] dst, int dstOff, int n) {
        if (from < 0 || n < 0 || from + n > length || dstOff < 0 || dstOff + n > dst.length) {
            throw new IndexOutOfBoundsException("widen [" + from + ", " + (from + n) + ") of an NF4 storage of " + length
                    + " into " + dst.length + " floats at " + dstOff);
        }
    }

    /** dst[o ..] = LEVEL[index(i ..)] * scale for {@code count} elements inside one block. */
    private void decode(long i, int count, float scale, float[] dst, int o) {
        if ((i & 1) != 0 && count > 0) { // odd start: the low nibble of a byte
            dst[o++] = Nf4Code.LEVEL[packed[(int) (i >>> 1)] & 15] * scale;
            count--;
            i++;
        }
        int p = (int) (i >>> 1);
        if (VECTOR) {
            FloatVector s = FloatVector.broadcast(F, scale);
            for (; count >= L && p + L <= packed.length; count -= L, p += L / 2, o += L) decodeVector(p, s, dst, o);
        }
        for (; count >= 2; count -= 2, p++, o += 2) {
            int b = packed[p];
            dst[o] = Nf4Code.LEVEL[(b >>> 4) & 15] * scale;
            dst[o + 1] = Nf4Code.LEVEL[b & 15] * scale;
        }
        if (count == 1) dst[o] = Nf4Code.LEVEL[(packed[p] >>> 4) & 15] * scale;
    }

    /** L elements from L/2 bytes at {@code p}: duplicate each byte, shift out its high or low nibble, look the level up. */
    private void decodeVector(int p, FloatVector scale, float[] dst, int o) {
        ByteVector bytes = ByteVector.fromArray(B, packed, p).rearrange(DUPLICATE);
        IntVector idx = ((IntVector) bytes.convertShape(VectorOperators.B2I, I, 0))
                .lanewise(VectorOperators.LSHR, NIBBLE_SHIFT).and(15);
        IntVector bits = L == 16 ? idx.selectFrom(Table.LO) : idx.selectFrom(Table.LO, Table.HI);
        bits.reinterpretAsFloats().mul(scale).intoArray(dst, o);
    }

    /** The 16 level bit patterns as int vectors (built only where the vector path runs). */
    private static final class Table {
        static final IntVector LO = IntVector.fromArray(I, LEVEL_BITS, 0);
        static final IntVector HI = L == 16 ? LO : IntVector.fromArray(I, LEVEL_BITS, 8);
    }

    /** A float32 copy of this storage (tests and tools; kernels widen tile by tile instead). */
    public FloatStorage dequantise() {
        float[] out = new float[Math.toIntExact(length)];
        widen(0, out, 0, out.length);
        return new FloatStorage(out);
    }
}
