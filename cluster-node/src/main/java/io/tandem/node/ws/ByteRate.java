package io.tandem.node.ws;

/**
 * A token bucket counting bytes: it refills at {@code bytesPerSecond} up to {@code burstBytes}, and
 * a frame passes when the bucket holds its size. A frame that does not pass takes nothing. Pure and
 * not thread-safe: one per connection, used by one stream stage at a time.
 */
final class ByteRate {
  private final double bytesPerSecond;
  private final double burstBytes;
  private double tokens;
  private long lastNanos;

  ByteRate(long bytesPerSecond, long burstBytes, long nowNanos) {
    if (bytesPerSecond <= 0 || burstBytes <= 0) {
      throw new IllegalArgumentException("byte rate and burst must be positive");
    }
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = burstBytes;
    this.tokens = burstBytes;
    this.lastNanos = nowNanos;
  }

  /** True when a frame of {@code bytes} passes at {@code nowNanos} (and is counted). */
  boolean take(long bytes, long nowNanos) {
    tokens = Math.min(burstBytes, tokens + (nowNanos - lastNanos) / 1e9 * bytesPerSecond);
    lastNanos = nowNanos;
    if (tokens >= bytes) {
      tokens -= bytes;
      return true;
    }
    return false;
  }
}
