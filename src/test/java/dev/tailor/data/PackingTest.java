package dev.tailor.data;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PackingTest {

    static TokenRow row(int len, String where) {
        int[] ids = new int[len];
        for (int i = 0; i < len; i++) ids[i] = i + 1;
        return new TokenRow(ids, ids.clone(), where);
    }

    @Test
    void packsFitAndKeepEveryRowOnce() {
        List<TokenRow> rows = new ArrayList<>();
        int[] lens = {7, 3, 5, 2, 8, 1, 4};
        for (int i = 0; i < lens.length; i++) rows.add(row(lens[i], "r" + i));
        List<List<TokenRow>> packs = Packing.pack(rows, 8);
        // Best fit, longest first: [8], [7,1], [5,3], [4,2] -> 4 packs of <= 8 tokens (30 tokens need at least 4).
        assertEquals(4, packs.size());
        List<String> names = new ArrayList<>();
        for (List<TokenRow> p : packs) {
            int sum = 0;
            for (TokenRow r : p) { sum += r.ids().length; names.add(r.where()); }
            assertEquals(true, sum <= 8);
        }
        assertEquals(List.of("r4", "r0", "r5", "r2", "r1", "r6", "r3"), names);
    }

    @Test
    void batchPadsRightMasksPaddingAndCountsTokens() {
        TokenRow a = new TokenRow(new int[] {5, 6, 7}, new int[] {-100, 6, 7}, "a");
        TokenRow b = new TokenRow(new int[] {8, 9}, new int[] {8, 9}, "b");
        Batch batch = Batch.of(List.of(a, b), 0);
        assertArrayEquals(new int[] {5, 6, 7, 8, 9, 0}, batch.inputs().ids());
        assertArrayEquals(new int[] {-100, 6, 7, 8, 9, -100}, batch.labels());
        assertArrayEquals(new boolean[] {false, false, false, false, false, true}, batch.inputs().padding());
        assertEquals(5, batch.tokens());
        assertEquals(3, batch.counted()); // 6, 7 in row a (position 0 is never a target) and 9 in row b
        assertNull(Batch.of(List.of(a), 0).inputs().padding());
    }
}
