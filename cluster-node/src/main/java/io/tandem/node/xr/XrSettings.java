package io.tandem.node.xr;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * What XR clients get beyond rooms, read once from {@code tandem.xr}: interest management of poses
 * and the level-of-detail recommendation ({@code quality} frames).
 *
 * @param interest whether receivers get members outside their interest at a reduced rate
 * @param radius members within this distance (m) of a receiver's head are always of interest
 * @param coneDegrees full opening angle of the view cone around a receiver's gaze
 * @param reducedEvery members outside the interest are sent every this many ticks (4: a quarter)
 * @param lowerAfter a frame waiting this long in a connection's outbound queue lowers its LOD
 * @param raiseAfter the LOD is raised again after the connection kept up for this long
 * @param maxRttForHigh a ping round trip above this also lowers the LOD
 * @param participantGrace how long a participant's state outlives its last connection
 * @param participantSnapshotEvery a participant snapshots its state every this many events
 * @param maxAssetBytes the largest asset accepted by {@code PUT /v1/assets/{id}}
 */
public record XrSettings(
    boolean interest,
    double radius,
    double coneDegrees,
    int reducedEvery,
    Duration lowerAfter,
    Duration raiseAfter,
    Duration maxRttForHigh,
    Duration participantGrace,
    int participantSnapshotEvery,
    long maxAssetBytes) {

  /** The defaults of {@code tandem.conf}, for code that is wired without a config. */
  public static final XrSettings DEFAULTS =
      new XrSettings(
          true,
          2.0,
          110,
          4,
          Duration.ofMillis(500),
          Duration.ofSeconds(5),
          Duration.ofMillis(400),
          Duration.ofSeconds(15),
          50,
          16 << 20);

  public XrSettings {
    reducedEvery = Math.max(1, reducedEvery);
    participantSnapshotEvery = Math.max(1, participantSnapshotEvery);
  }

  public static XrSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.xr");
    return new XrSettings(
        c.getBoolean("interest"),
        c.getDouble("interest-radius"),
        c.getDouble("view-cone-degrees"),
        c.getInt("reduced-every"),
        c.getDuration("lower-lod-after"),
        c.getDuration("raise-lod-after"),
        c.getDuration("max-rtt-for-high"),
        c.getDuration("participant-grace"),
        c.getInt("participant-snapshot-every"),
        c.getBytes("max-asset-bytes"));
  }

  /** The same settings with interest management on or off (benchmarks compare both). */
  public XrSettings withInterest(boolean on) {
    return new XrSettings(
        on,
        radius,
        coneDegrees,
        reducedEvery,
        lowerAfter,
        raiseAfter,
        maxRttForHigh,
        participantGrace,
        participantSnapshotEvery,
        maxAssetBytes);
  }
}
