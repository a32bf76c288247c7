package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class KeyLogTest {

  @Test
  void remembersExactlyTheLastKeysAndLeavesEarlierLogsAsTheyWere() {
    KeyLog log = KeyLog.EMPTY;
    KeyLog atTen = null;
    for (int i = 1; i <= 1000; i++) {
      log = log.with("k" + i, i, 100);
      if (i == 10) {
        atTen = log;
      }
    }
    assertEquals(100, log.size());
    assertNull(log.find("k900"));
    assertEquals(901L, log.find("k901"));
    assertEquals(1000L, log.find("k1000"));
    assertEquals(10, atTen.size());
    assertEquals(1L, atTen.find("k1"));
    assertNull(atTen.find("k11"));
  }

  @Test
  void aKeyUsedAgainAfterItLeftIsRememberedWithItsNewSeq() {
    KeyLog log = KeyLog.EMPTY.with("a", 1, 2).with("b", 2, 2).with("c", 3, 2);
    assertNull(log.find("a"));
    log = log.with("a", 4, 2); // "b" leaves; "a" is back
    assertEquals(4L, log.find("a"));
    assertNull(log.find("b"));
    log = log.with("d", 5, 2).with("e", 6, 2); // then "a" leaves again
    assertNull(log.find("a"));
    assertEquals(List.of(new KeyLog.Entry("d", 5), new KeyLog.Entry("e", 6)), log.entries());
  }

  @Test
  void aReusedKeyIsNotDroppedWithItsOldEntry() {
    // "a" is in the queue twice (seq 1 and 3); when its old entry leaves, the new one stays
    KeyLog log = KeyLog.EMPTY.with("a", 1, 3).with("b", 2, 3).with("a", 3, 3).with("c", 4, 3);
    assertEquals(3L, log.find("a"));
    assertEquals(
        List.of(new KeyLog.Entry("b", 2), new KeyLog.Entry("a", 3), new KeyLog.Entry("c", 4)),
        log.entries());
  }

  @Test
  void aSnapshotsEntriesRebuildTheSameLog() {
    KeyLog log = KeyLog.EMPTY;
    for (int i = 1; i <= 50; i++) {
      log = log.with("k" + (i % 20), i, 30);
    }
    KeyLog restored = KeyLog.of(log.entries());
    assertEquals(log, restored);
    assertEquals(log.entries(), restored.entries());
    assertEquals(20, restored.size());
    assertEquals(50L, restored.find("k10"));
  }
}
