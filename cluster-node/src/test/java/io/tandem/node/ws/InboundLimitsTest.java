package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InboundLimitsTest {
  private static final WsSettings WS =
      WsSettings.fromConfig(
          ConfigFactory.parseString(
                  "tandem.ws { max-frames-per-second = 10, burst-frames = 20,"
                      + " rate-limit-close-after = 10s, max-malformed-frames = 3,"
                      + " malformed-window = 10s }")
              .withFallback(ConfigFactory.load()));

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);
  private final InboundLimits limits = new InboundLimits(WS, clock);

  @Test
  void theBurstPassesThenTheBucketRefillsAtTheRate() {
    for (int i = 0; i < 20; i++) {
      assertTrue(limits.takeFrame(), "frame " + i + " of the burst");
    }
    assertFalse(limits.takeFrame(), "the bucket is empty");
    clock.advance(Duration.ofMillis(99));
    assertFalse(limits.takeFrame(), "0.99 of a token");
    clock.advance(Duration.ofMillis(1));
    assertTrue(limits.takeFrame(), "one token after 1/10 s");
    assertFalse(limits.takeFrame());
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 20; i++) {
      assertTrue(limits.takeFrame(), "refilled up to the burst, no further");
    }
    assertFalse(limits.takeFrame());
  }

  @Test
  void aClockSteppedBackRefillsNothing() {
    for (int i = 0; i < 20; i++) {
      limits.takeFrame();
    }
    clock.advance(Duration.ofSeconds(-5));
    assertFalse(limits.takeFrame());
  }

  @Test
  void refusalsCloseOnlyOnceTheRunLastedTheCloseAfter() {
    for (int s = 0; s < 10; s++) {
      assertFalse(limits.refused(), "second " + s + " of the run");
      clock.advance(Duration.ofMillis(500));
      assertFalse(limits.refused());
      clock.advance(Duration.ofMillis(500));
    }
    assertTrue(limits.refused(), "refused for 10 s without a gap over a second");
  }

  @Test
  void aGapOverASecondStartsANewRun() {
    for (int s = 0; s < 9; s++) {
      limits.refused();
      clock.advance(Duration.ofSeconds(1));
    }
    clock.advance(Duration.ofMillis(1));
    assertFalse(limits.refused(), "the pause ended the run");
    clock.advance(Duration.ofSeconds(1));
    assertFalse(limits.refused(), "1 s into the new run");
  }

  @Test
  void malformedFramesCloseWhenOverTheMaximumWithinTheWindow() {
    assertFalse(limits.malformed());
    assertFalse(limits.malformed());
    clock.advance(Duration.ofSeconds(10).plusMillis(1));
    assertFalse(limits.malformed(), "the first two left the window");
    assertFalse(limits.malformed());
    assertFalse(limits.malformed());
    assertTrue(limits.malformed(), "four within the window: more than three");
  }
}
