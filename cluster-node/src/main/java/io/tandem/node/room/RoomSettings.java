package io.tandem.node.room;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The limits and timings of rooms, read once from {@code tandem.room}. {@code tickInterval} is the
 * tick of rooms whose members never chose one ({@code settings{tickHz}}); {@code maxTickHz} bounds
 * what they may choose.
 *
 * <p>{@link #DEFAULTS} are the defaults of {@code tandem.conf}; a test states only what it changes,
 * with one wither per field: {@code RoomSettings.DEFAULTS.withMaxMembers(3).withSnapshotEvery(5)}.
 *
 * @param maxMembers the most members (connections) of one room
 * @param maxOpsPerFrame the most ops in one op frame
 * @param maxDocBytes the largest document (its JSON size)
 * @param maxPresenceBytes the largest presence object of one member
 * @param maxObjects the most shared objects of one room
 * @param holdTimeout how long a hold lasts without a move by its holder
 * @param tickInterval the tick of rooms whose members never chose one (at least {@link #MIN_TICK})
 * @param snapshotEvery a snapshot every this many events
 * @param recentChanges durable changes kept in memory to answer resumes
 * @param maxChangesPerWrite the most queued changes written together
 * @param passivateAfter how long a room without members stays in memory
 * @param idempotencyKeys idempotency keys remembered (0: no de-duplication)
 * @param posesPerWrite ticks with changed poses persisted together (at least 1)
 * @param holdGrace how long a named XR device keeps its holds after a disconnect
 * @param maxTickHz the fastest tick a room may choose (1 to 90)
 * @param limits the bounds of {@link RoomLimits}
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

  /** The defaults of {@code tandem.conf} (without its environment overrides). */
  public static final RoomSettings DEFAULTS =
      new RoomSettings(
          100,
          100,
          262_144,
          4096,
          1000,
          Duration.ofSeconds(30),
          Duration.ofMillis(50),
          500,
          256,
          64,
          Duration.ofSeconds(120),
          2048,
          10,
          Duration.ofSeconds(15),
          90,
          RoomLimits.DEFAULTS);

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

  // ---------------------------------------------------------------- withers, one per field

  public RoomSettings withMaxMembers(int value) {
    return new RoomSettings(
        value,
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
        limits);
  }

  public RoomSettings withMaxOpsPerFrame(int value) {
    return new RoomSettings(
        maxMembers,
        value,
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
        limits);
  }

  public RoomSettings withMaxDocBytes(int value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        value,
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
        limits);
  }

  public RoomSettings withMaxPresenceBytes(int value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        value,
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
        limits);
  }

  public RoomSettings withMaxObjects(int value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        value,
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
        limits);
  }

  public RoomSettings withHoldTimeout(Duration value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        value,
        tickInterval,
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

  public RoomSettings withTickInterval(Duration value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        value,
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

  public RoomSettings withSnapshotEvery(int value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        tickInterval,
        value,
        recentChanges,
        maxChangesPerWrite,
        passivateAfter,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withRecentChanges(int value) {
    return new RoomSettings(
        maxMembers,
        maxOpsPerFrame,
        maxDocBytes,
        maxPresenceBytes,
        maxObjects,
        holdTimeout,
        tickInterval,
        snapshotEvery,
        value,
        maxChangesPerWrite,
        passivateAfter,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withMaxChangesPerWrite(int value) {
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
        value,
        passivateAfter,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withPassivateAfter(Duration value) {
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
        value,
        idempotencyKeys,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withIdempotencyKeys(int value) {
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
        value,
        posesPerWrite,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withPosesPerWrite(int value) {
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
        value,
        holdGrace,
        maxTickHz,
        limits);
  }

  public RoomSettings withHoldGrace(Duration value) {
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
        value,
        maxTickHz,
        limits);
  }

  public RoomSettings withMaxTickHz(int value) {
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
        value,
        limits);
  }

  public RoomSettings withLimits(RoomLimits value) {
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
        value);
  }
}
