package io.tandem.node.xr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The connection's level of detail: lowered at once by a waiting queue or a slow round trip, raised
 * only after keeping up for {@code raiseAfter}; the drain rate reported with each change; the wire
 * names of the levels.
 */
class QualityEstimatorTest {
  private static final long MS = 1_000_000;

  /** The defaults: lower after 500 ms of waiting or a round trip over 400 ms, raise after 5 s. */
  private final XrSettings settings = XrSettings.DEFAULTS;

  @Test
  void aQueueThatWaitsTooLongLowersTheLevelOnceWithTheDrainRate() {
    QualityEstimator q = new QualityEstimator(settings);
    assertEquals(Lod.HIGH, q.level());
    assertNull(q.check(100 * MS, 500, 10_000), "500 ms is not longer than lowerAfter");
    QualityEstimator.Change c = q.check(200 * MS, 501, 10_000);
    assertEquals(Lod.LOW, c.lod());
    assertEquals("outbound queue waited 501 ms", c.reason());
    assertEquals(501, c.queueDelayMs());
    // 10,000 bytes in the first 100 ms (100,000 B/s), none in the next: 0.8 * 100,000
    assertEquals(80_000, c.bytesPerSecond());
    assertEquals(Lod.LOW, q.level());
    assertNull(q.check(300 * MS, 900, 10_000), "already low");
  }

  @Test
  void aSlowRoundTripLowersTheLevelAndKeepsItLow() {
    QualityEstimator q = new QualityEstimator(settings);
    q.roundTrip(401);
    QualityEstimator.Change c = q.check(100 * MS, 0, 0);
    assertEquals(Lod.LOW, c.lod());
    assertEquals("round trip 401 ms", c.reason());
    for (long t = 200; t < 10_000; t += 100) {
      assertNull(q.check(t * MS, 0, 0), "a slow round trip is not keeping up");
    }
  }

  @Test
  void theLevelIsRaisedOnlyAfterKeepingUpForRaiseAfter() {
    QualityEstimator q = new QualityEstimator(settings);
    q.set(Lod.LOW);
    assertNull(q.check(1_000 * MS, 99, 0), "keeping up (under a fifth of 500 ms) starts now");
    assertNull(q.check(3_000 * MS, 99, 0));
    assertNull(q.check(4_000 * MS, 100, 0), "a fifth of lowerAfter is not keeping up");
    assertNull(q.check(5_000 * MS, 0, 0), "keeping up starts again");
    assertNull(q.check(9_999 * MS, 0, 0));
    QualityEstimator.Change c = q.check(10_000 * MS, 0, 0);
    assertEquals(Lod.HIGH, c.lod());
    assertEquals("kept up for 5000 ms", c.reason());
    assertEquals(Lod.HIGH, q.level());
  }

  @Test
  void aLevelSetFromOutsideRestartsTheCountOfKeepingUp() {
    QualityEstimator q = new QualityEstimator(settings);
    q.set(Lod.LOW);
    q.check(0, 0, 0);
    q.set(Lod.LOW);
    assertNull(q.check(5_000 * MS, 0, 0), "counted afresh from here");
    assertEquals(Lod.HIGH, q.check(10_000 * MS, 0, 0).lod());
  }

  @Test
  void levelsMapToTheirWireNamesBothWays() {
    for (Lod lod : Lod.values()) {
      assertEquals(lod, Lod.fromWire(lod.wire()));
    }
    assertEquals("high", Lod.HIGH.wire());
    assertEquals("low", Lod.LOW.wire());
    assertThrows(IllegalArgumentException.class, () -> Lod.fromWire("medium"));
    assertThrows(IllegalArgumentException.class, () -> Lod.fromWire(null));
  }
}
