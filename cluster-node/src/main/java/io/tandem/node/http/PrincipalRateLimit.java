package io.tandem.node.http;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per principal for the authenticated HTTP API: {@code perSecond} requests a second
 * sustained, {@code burst} at once. Thread-safe; blocks on nothing. Idle principals' buckets (full
 * again) are dropped when more than {@value #MAX_TRACKED} are tracked, so memory stays bounded
 * however many principals call.
 */
final class PrincipalRateLimit {
  static final int MAX_TRACKED = 10_000;

  private final double perSecond;
  private final double burst;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long at;

    Bucket(double tokens, long at) {
      this.tokens = tokens;
      this.at = at;
    }
  }

  PrincipalRateLimit(double perSecond, int burst, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
    this.nanos = nanos;
  }

  /** Whether {@code principal} may make one more request now (and takes a token if so). */
  boolean tryAcquire(String principal) {
    if (perSecond <= 0) {
      return true;
    }
    long now = nanos.getAsLong();
    if (buckets.size() > MAX_TRACKED) {
      buckets.values().removeIf(b -> refill(b, now) >= burst);
    }
    Bucket b = buckets.computeIfAbsent(principal, p -> new Bucket(burst, now));
    synchronized (b) {
      refill(b, now);
      if (b.tokens < 1) {
        return false;
      }
      b.tokens -= 1;
      return true;
    }
  }

  private double refill(Bucket b, long now) {
    synchronized (b) {
      double add = (now - b.at) / 1e9 * perSecond;
      b.tokens = Math.min(burst, b.tokens + Math.max(0, add));
      b.at = Math.max(b.at, now);
      return b.tokens;
    }
  }
}
