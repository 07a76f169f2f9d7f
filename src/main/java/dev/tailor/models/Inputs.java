package dev.tailor.models;

/**
 * One forward pass's inputs.
 *
 * @param ids       (B*T) token ids, row-major
 * @param batch     B
 * @param seq       T
 * @param positions (B*T) position of each token (left padding shifts them), or null for 0..T-1
 * @param padding   (B*T) true where the token is padding that no query may attend to, or null
 */
public record Inputs(int[] ids, int batch, int seq, int[] positions, boolean[] padding) {

    public Inputs {
        if (ids.length != batch * seq) throw new IllegalArgumentException("ids has " + ids.length + " entries, expected B*T = " + batch + "*" + seq);
        if (positions != null && positions.length != ids.length) throw new IllegalArgumentException("positions has " + positions.length + " entries, expected " + ids.length);
        if (padding != null && padding.length != ids.length) throw new IllegalArgumentException("padding has " + padding.length + " entries, expected " + ids.length);
    }

    /** A batch of equal-length rows without padding. */
    public static Inputs of(int[] ids, int batch, int seq) { return new Inputs(ids, batch, seq, null, null); }

    /** The positions, filled with 0..T-1 per row when none were given. */
    public int[] positionsOrDefault() {
        if (positions != null) return positions;
        int[] p = new int[ids.length];
        for (int b = 0; b < batch; b++) for (int t = 0; t < seq; t++) p[b * seq + t] = t;
        return p;
    }
}
