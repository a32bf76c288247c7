package io.tandem.node.fanout;

import io.tandem.node.metrics.TandemMetrics;
import java.util.concurrent.atomic.LongAdder;

/**
 * Node-wide counters of the outbound stages: what is waiting for slow readers, and what was
 * coalesced or dropped for resync. Thread-safe; read by status and tests, and mirrored into {@link
 * TandemMetrics}.
 */
public final class OutboundStats {
  private final LongAdder queuedDurableBytes = new LongAdder();
  private final LongAdder droppedDurableFrames = new LongAdder();
  private final LongAdder resyncs = new LongAdder();
  private final LongAdder presenceCoalesced = new LongAdder();
  private final LongAdder posesCoalesced = new LongAdder();
  private final LongAdder lodLowered = new LongAdder();

  /** Bytes of durable frames queued in all outboxes of this node right now. */
  public long queuedDurableBytes() {
    return queuedDurableBytes.sum();
  }

  /** Durable frames dropped because their reader fell behind (each reader then got resync). */
  public long droppedDurableFrames() {
    return droppedDurableFrames.sum();
  }

  /** {@code resync} frames sent. */
  public long resyncs() {
    return resyncs.sum();
  }

  /** Presence entries replaced by a newer one before they were sent. */
  public long presenceCoalesced() {
    return presenceCoalesced.sum();
  }

  /** Times a connection was told to lower its level of detail ({@code quality{lod:"low"}}). */
  public long lodLowered() {
    return lodLowered.sum();
  }

  void qualityChanged(io.tandem.node.xr.Lod lod) {
    if (lod == io.tandem.node.xr.Lod.LOW) {
      lodLowered.increment();
    }
  }

  private final LongAdder roomQualitySent = new LongAdder();

  /** Per-room {@code quality} frames (object levels of detail) handed to XR sockets. */
  public long roomQualitySent() {
    return roomQualitySent.sum();
  }

  void sentRoomQuality() {
    roomQualitySent.increment();
    TandemMetrics.objectLevelsSent();
  }

  /** A waiting per-room {@code quality} frame replaced by a newer recommendation. */
  void roomQualityCoalesced() {
    TandemMetrics.coalesced("quality", 1);
  }

  /** Waiting {@code poses} frames merged into a newer one. */
  public long posesCoalesced() {
    return posesCoalesced.sum();
  }

  void queued(long bytes) {
    queuedDurableBytes.add(bytes);
  }

  void dropped(long frames) {
    droppedDurableFrames.add(frames);
    TandemMetrics.durableDropped(frames);
  }

  void resynced() {
    resyncs.increment();
    TandemMetrics.resyncSent();
  }

  void coalesced(long entries) {
    presenceCoalesced.add(entries);
    TandemMetrics.coalesced("presence", entries);
  }

  /** Waiting {@code poses} frames merged into one (the older ticks superseded). */
  void posesCoalesced(long entries) {
    posesCoalesced.add(entries);
    TandemMetrics.coalesced("pose", entries);
  }

  /** A map's waiting values replaced by newer values of the same keys. */
  public long valuesCoalesced() {
    return valuesCoalesced.sum();
  }

  void valuesCoalesced(long values) {
    valuesCoalesced.add(values);
    TandemMetrics.coalesced("map", values);
  }

  private final java.util.concurrent.atomic.LongAdder valuesCoalesced =
      new java.util.concurrent.atomic.LongAdder();
}
