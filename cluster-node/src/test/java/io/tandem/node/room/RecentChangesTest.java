package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class RecentChangesTest {

  private static RoomChange change(long seq) {
    return new RoomChange(seq, "u", seq, List.of(), null);
  }

  private static List<Long> seqs(List<RoomChange> changes) {
    return changes.stream().map(RoomChange::seq).toList();
  }

  private static List<Long> range(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void keepsTheLastChangesAndLeavesEveryEarlierListAsItWas() {
    int keep = 5;
    List<RoomChange> recent = List.of();
    List<List<RoomChange>> lists = new ArrayList<>();
    for (long seq = 1; seq <= 40; seq++) {
      recent = RecentChanges.append(recent, change(seq), keep);
      lists.add(recent);
    }
    // each list holds the last `keep` changes up to its own seq, however many came after it
    for (int i = 0; i < lists.size(); i++) {
      long seq = i + 1;
      assertEquals(range(Math.max(1, seq - keep + 1), seq), seqs(lists.get(i)), "list " + seq);
    }
  }

  @Test
  void appendingToAnOlderListDoesNotTouchTheNewerOne() {
    List<RoomChange> base = List.of();
    for (long seq = 1; seq <= 3; seq++) {
      base = RecentChanges.append(base, change(seq), 10);
    }
    List<RoomChange> a = RecentChanges.append(base, change(4), 10);
    List<RoomChange> b = RecentChanges.append(base, change(99), 10);
    assertEquals(List.of(1L, 2L, 3L, 4L), seqs(a));
    assertEquals(List.of(1L, 2L, 3L, 99L), seqs(b));
    assertEquals(List.of(1L, 2L, 3L), seqs(base));
  }

  @Test
  void startsFromAnyListAndKeepsNoneWhenAskedForNone() {
    List<RoomChange> restored = new ArrayList<>(List.of(change(1), change(2), change(3)));
    assertEquals(List.of(2L, 3L, 4L), seqs(RecentChanges.append(restored, change(4), 3)));
    assertTrue(RecentChanges.append(restored, change(4), 0).isEmpty());
  }

  @Test
  void isReadOnly() {
    List<RoomChange> recent = RecentChanges.append(List.of(), change(1), 4);
    assertThrows(UnsupportedOperationException.class, () -> recent.add(change(2)));
    assertThrows(IndexOutOfBoundsException.class, () -> recent.get(1));
  }
}
