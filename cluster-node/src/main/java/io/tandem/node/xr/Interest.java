package io.tandem.node.xr;

import io.tandem.node.room.MemberPose;

/**
 * Interest management for poses: whether a receiver needs another member's pose at the full tick
 * rate. A member is of interest when it is within the radius of the receiver's head or inside the
 * view cone around the receiver's gaze; a receiver without a head pose yet is interested in all.
 * Pure functions, no state.
 */
public final class Interest {
  private final double radiusSquared;
  private final double cosHalfCone;

  public Interest(XrSettings settings) {
    this.radiusSquared = settings.radius() * settings.radius();
    this.cosHalfCone = Math.cos(Math.toRadians(settings.coneDegrees() / 2));
  }

  /** Whether {@code receiver} gets {@code other} at the full rate. */
  public boolean of(MemberPose receiver, MemberPose other) {
    double[] eye = receiver == null ? null : receiver.headPosition();
    double[] there = other == null ? null : other.headPosition();
    if (eye == null || there == null) {
      return true;
    }
    double dx = there[0] - eye[0];
    double dy = there[1] - eye[1];
    double dz = there[2] - eye[2];
    double d2 = dx * dx + dy * dy + dz * dz;
    if (d2 <= radiusSquared) {
      return true;
    }
    double[] gaze = receiver.headForward();
    if (gaze == null) {
      return true;
    }
    double gazeLength = Math.sqrt(gaze[0] * gaze[0] + gaze[1] * gaze[1] + gaze[2] * gaze[2]);
    double cos = (dx * gaze[0] + dy * gaze[1] + dz * gaze[2]) / (Math.sqrt(d2) * gazeLength);
    return cos >= cosHalfCone;
  }
}
