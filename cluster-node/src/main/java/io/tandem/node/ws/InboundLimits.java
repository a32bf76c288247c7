package io.tandem.node.ws;

import java.time.Clock;
import java.util.ArrayDeque;

/**
 * The inbound gate's limits of one connection, as pure bookkeeping: the frame-rate token bucket,
 * the run of refused frames that ends in a 4429 close, and the malformed frames within their window
 * that end in a 1008 close. It decides; the connection replies and closes. Time comes from the
 * injected {@link Clock} (a {@code ManualClock} in tests). Not thread-safe: owned by one connection
 * actor and used on its thread.
 */
final class InboundLimits {
  /** Refusals less than this far apart belong to one run (a refilled token may pass in between). */
  private static final long RUN_GAP_MILLIS = 1000;

  private final WsSettings ws;
  private final Clock clock;

  /** Token bucket of the frame rate. */
  private double tokens;

  private long lastRefillMillis;

  /** Start of the current run of refused frames, and the last refusal (-1: none). */
  private long limitedSinceMillis = -1;

  private long lastLimitedMillis = -1;
  private final ArrayDeque<Long> malformedTimes = new ArrayDeque<>();

  InboundLimits(WsSettings ws, Clock clock) {
    this.ws = ws;
    this.clock = clock;
    this.tokens = ws.burstFrames();
    this.lastRefillMillis = clock.millis();
  }

  /**
   * Takes one frame from the bucket, which refills at {@code max-frames-per-second} up to {@code
   * burst-frames}; false when it is empty (the frame is refused: call {@link #refused()}).
   */
  boolean takeFrame() {
    long now = clock.millis();
    // a wall clock stepped back refills nothing rather than draining the bucket
    double refill = Math.max(0, now - lastRefillMillis) / 1e3 * ws.maxFramesPerSecond();
    tokens = Math.min(ws.burstFrames(), tokens + refill);
    lastRefillMillis = now;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }

  /**
   * Counts a refused frame (over the frame or the byte rate); true when refusals have gone on for
   * {@code rate-limit-close-after}: the connection closes with 4429. A run goes on while refusals
   * keep coming within a second of each other.
   */
  boolean refused() {
    long now = clock.millis();
    if (limitedSinceMillis < 0 || now - lastLimitedMillis > RUN_GAP_MILLIS) {
      limitedSinceMillis = now;
    }
    lastLimitedMillis = now;
    return now - limitedSinceMillis >= ws.rateLimitCloseAfter().toMillis();
  }

  /**
   * Counts a malformed frame; true when more than {@code max-malformed-frames} arrived within
   * {@code malformed-window}: the connection closes with 1008.
   */
  boolean malformed() {
    long now = clock.millis();
    malformedTimes.addLast(now);
    long windowStart = now - ws.malformedWindow().toMillis();
    while (!malformedTimes.isEmpty() && malformedTimes.peekFirst() < windowStart) {
      malformedTimes.removeFirst();
    }
    return malformedTimes.size() > ws.maxMalformedFrames();
  }
}
