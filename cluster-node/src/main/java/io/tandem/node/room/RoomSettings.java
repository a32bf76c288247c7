package io.tandem.node.room;

import com.typesafe.config.Config;
import java.time.Duration;

/** The limits and timings of rooms, read once from {@code tandem.room}. */
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
    int idempotencyKeys) {

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
        c.getInt("idempotency-keys"));
  }
}
