package io.tandem.node.room;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The limits and timings of rooms, read once from {@code tandem.room}. {@code tickInterval} is the
 * tick of rooms whose members never chose one ({@code settings{tickHz}}); {@code maxTickHz} bounds
 * what they may choose.
 */
public record RoomSettings(
    int maxMembers,
    int maxOpsPerFrame,
    int maxDocBytes,
    int maxPresenceBytes,
    int maxObjects,
    Duration holdTimeout,
    Duration tickInterval,
    int snapshotEvery,
    int recentChanges,
    int maxChangesPerWrite,
    Duration passivateAfter,
    int idempotencyKeys,
    int posesPerWrite,
    Duration holdGrace,
    int maxTickHz,
    RoomLimits limits) {

  /** The fastest room tick: 90 Hz, the top refresh rate of today's headsets. */
  public static final Duration MIN_TICK = tickOf(io.tandem.protocol.RoomSettings.MAX_TICK_HZ);

  public RoomSettings {
    if (tickInterval.compareTo(MIN_TICK) < 0) {
      tickInterval = MIN_TICK;
    }
    posesPerWrite = Math.max(1, posesPerWrite);
    maxTickHz = Math.max(1, Math.min(maxTickHz, io.tandem.protocol.RoomSettings.MAX_TICK_HZ));
    if (limits == null) {
      limits = RoomLimits.DEFAULTS;
    }
  }

  /** The tick interval of a rate. */
  public static Duration tickOf(int hz) {
    return Duration.ofNanos(1_000_000_000L / hz);
  }

  /** The rate of the default tick, rounded to whole ticks a second (50 ms: 20). */
  public int defaultTickHz() {
    return (int) Math.max(1, Math.round(1_000_000_000.0 / tickInterval.toNanos()));
  }

  /** Settings without the XR parts: poses written every 10 ticks, no grace for held objects. */
  public RoomSettings(
      int maxMembers,
      int maxOpsPerFrame,
      int maxDocBytes,
      int maxPresenceBytes,
      int maxObjects,
      Duration holdTimeout,
      Duration tickInterval,
      int snapshotEvery,
      int recentChanges,
      int maxChangesPerWrite,
      Duration passivateAfter,
      int idempotencyKeys) {
    this(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        tickInterval,
        snapshotEvery,
        recentChanges,
        maxChangesPerWrite,
        passivateAfter,
        idempotencyKeys,
        10,
        Duration.ZERO,
        io.tandem.protocol.RoomSettings.MAX_TICK_HZ,
        RoomLimits.DEFAULTS);
  }

  /** The same settings with other {@link RoomLimits}. */
  public RoomSettings withLimits(RoomLimits newLimits) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        tickInterval,
        snapshotEvery,
        recentChanges,
        maxChangesPerWrite,
        passivateAfter,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        newLimits);
  }

  /** The same settings with {@code tickInterval}, {@code posesPerWrite} and {@code holdGrace}. */
  public RoomSettings withXr(Duration tick, int posesPerWrite, Duration holdGrace) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        tick,
        snapshotEvery,
        recentChanges,
        maxChangesPerWrite,
        passivateAfter,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public static RoomSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.room");
    return new RoomSettings(
        c.getInt("max-members"),
        c.getInt("max-ops-per-frame"),
        c.getInt("max-doc-bytes"),
        c.getInt("max-presence-bytes"),
        c.getInt("max-objects"),
        c.getDuration("hold-timeout"),
        c.getDuration("tick-interval"),
        c.getInt("snapshot-every"),
        c.getInt("recent-changes"),
        c.getInt("max-changes-per-write"),
        c.getDuration("passivate-after"),
        c.getInt("idempotency-keys"),
        c.getInt("poses-per-write"),
        c.getDuration("hold-grace"),
        c.getInt("max-tick-hz"),
        RoomLimits.fromConfig(c));
  }
}
