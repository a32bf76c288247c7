package io.tandem.node.xr;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * What XR clients get beyond rooms, read once from {@code tandem.xr}: interest management of poses
 * and the level-of-detail recommendation ({@code quality} frames: the connection's level, and per
 * room which objects to load at high detail, nearest the gaze first).
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
 * @param focusDegrees full opening angle of the focus cone around a receiver's gaze: its objects
 *     are recommended {@code high} at once (within the budget)
 * @param highDetailObjects the budget: at most this many objects of a room are {@code high} for one
 *     receiver at any time
 * @param lodRaiseStep outside the focus cone, one more object becomes {@code high} (in gaze order)
 *     every this long after a join or a raise of the connection's level
 * @param lodUpdateInterval a receiver gets at most one per-room {@code quality} frame per room this
 *     often (the latest recommendation wins)
 * @param lodHysteresisDegrees an object that is {@code high} keeps its place in the budget until
 *     one that is {@code low} is closer to the gaze by more than this angle
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
    long maxAssetBytes,
    double focusDegrees,
    int highDetailObjects,
    Duration lodRaiseStep,
    Duration lodUpdateInterval,
    double lodHysteresisDegrees) {

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
          16 << 20,
          30,
          8,
          Duration.ofMillis(250),
          Duration.ofMillis(500),
          5);

  public XrSettings {
    reducedEvery = Math.max(1, reducedEvery);
    participantSnapshotEvery = Math.max(1, participantSnapshotEvery);
    highDetailObjects = Math.max(0, highDetailObjects);
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
        c.getBytes("max-asset-bytes"),
        c.getDouble("focus-degrees"),
        c.getInt("high-detail-objects"),
        c.getDuration("lod-raise-step"),
        c.getDuration("lod-update-interval"),
        c.getDouble("lod-hysteresis-degrees"));
  }

  /** The same settings with another participant grace and snapshot interval (tests). */
  public XrSettings withParticipants(Duration grace, int snapshotEvery) {
    return new XrSettings(
        interest,
        radius,
        coneDegrees,
        reducedEvery,
        lowerAfter,
        raiseAfter,
        maxRttForHigh,
        grace,
        snapshotEvery,
        maxAssetBytes,
        focusDegrees,
        highDetailObjects,
        lodRaiseStep,
        lodUpdateInterval,
        lodHysteresisDegrees);
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
        maxAssetBytes,
        focusDegrees,
        highDetailObjects,
        lodRaiseStep,
        lodUpdateInterval,
        lodHysteresisDegrees);
  }
}
