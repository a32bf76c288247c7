package io.tandem.node.xr;

/**
 * The level of detail one XR connection can take, estimated from its outbound path: lowered as soon
 * as the head of its outbound queue has waited longer than {@code lowerAfter} or a ping's round
 * trip exceeded {@code maxRttForHigh}; raised again only after the connection kept up (queue delay
 * under a fifth of {@code lowerAfter}, round trips fine) for {@code raiseAfter} (hysteresis). It
 * also keeps the connection's drain rate (bytes per second, smoothed), reported with each change.
 *
 * <p>Pure: its owner (the connection's outbound stage) checks it every {@link #CHECK_MILLIS} on one
 * thread, with the time, the queue's delay and the bytes sent so far passed in. Allocates only when
 * the level changes.
 */
public final class QualityEstimator {

  /** How often the owner calls {@link #check}: the drain rate is measured over this interval. */
  public static final long CHECK_MILLIS = 100;

  /**
   * The level changed.
   *
   * @param lod the new level
   * @param reason why, for humans
   * @param bytesPerSecond the smoothed drain rate when it changed
   * @param queueDelayMs how long the head of the outbound queue had waited
   */
  public record Change(Lod lod, String reason, long bytesPerSecond, long queueDelayMs) {}

  private final long lowerAfterMs;
  private final long maxRttMs;
  private final long raiseAfterNanos;
  private final long raiseAfterMs;

  private Lod level = Lod.HIGH;
  private long keptUpSince = -1;
  private long lastRttMs;
  private long bytesAtLastCheck;
  private double drainRate;

  public QualityEstimator(XrSettings settings) {
    this.lowerAfterMs = settings.lowerAfter().toMillis();
    this.maxRttMs = settings.maxRttForHigh().toMillis();
    this.raiseAfterNanos = settings.raiseAfter().toNanos();
    this.raiseAfterMs = settings.raiseAfter().toMillis();
  }

  /** The current level. */
  public Lod level() {
    return level;
  }

  /** A round trip measured by a ping: a slow one lowers the level at the next check. */
  public void roundTrip(long millis) {
    lastRttMs = millis;
  }

  /**
   * The level was set from elsewhere (a recommendation the connection sent itself, such as the one
   * it had before a reconnect): estimates go on from it; keeping up is counted afresh.
   */
  public void set(Lod lod) {
    level = lod;
    keptUpSince = -1;
  }

  /**
   * One periodic check.
   *
   * @param nowNanos the time, on a monotonic clock
   * @param queueDelayMs how long the head of the outbound queue has waited (0: empty)
   * @param bytesSent every byte handed to the socket so far
   * @return the change of level, or null when it stays
   */
  public Change check(long nowNanos, long queueDelayMs, long bytesSent) {
    double rate = (bytesSent - bytesAtLastCheck) * 1000.0 / CHECK_MILLIS;
    bytesAtLastCheck = bytesSent;
    drainRate = drainRate == 0 ? rate : 0.8 * drainRate + 0.2 * rate;
    boolean slowRtt = lastRttMs > maxRttMs;
    if (level == Lod.HIGH) {
      if (queueDelayMs > lowerAfterMs || slowRtt) {
        return change(
            Lod.LOW,
            slowRtt
                ? "round trip " + lastRttMs + " ms"
                : "outbound queue waited " + queueDelayMs + " ms",
            queueDelayMs);
      }
      return null;
    }
    boolean keepingUp = queueDelayMs < lowerAfterMs / 5 && !slowRtt;
    if (!keepingUp) {
      keptUpSince = -1;
    } else if (keptUpSince < 0) {
      keptUpSince = nowNanos;
    } else if (nowNanos - keptUpSince >= raiseAfterNanos) {
      return change(Lod.HIGH, "kept up for " + raiseAfterMs + " ms", queueDelayMs);
    }
    return null;
  }

  private Change change(Lod to, String reason, long queueDelayMs) {
    set(to);
    return new Change(to, reason, Math.round(drainRate), queueDelayMs);
  }
}
