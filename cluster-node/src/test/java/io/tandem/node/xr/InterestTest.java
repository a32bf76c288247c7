package io.tandem.node.xr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.room.MemberPose;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The geometry of interest: the radius around the head and the view cone around the gaze. */
class InterestTest {
  private final Interest interest = new Interest(XrSettings.DEFAULTS);

  static MemberPose at(double x, double z, double[] q) {
    return new MemberPose(
        0.0,
        new MemberPose.Part(List.of(x, 1.6, z), q == null ? null : List.of(q[0], q[1], q[2], q[3])),
        null,
        null);
  }

  static final double[] LOOK_AHEAD = {0, 0, 0, 1}; // along -Z
  static final double[] LOOK_BACK = {0, 1, 0, 0}; // turned 180 degrees about Y: along +Z
  static final double[] LOOK_LEFT = {0, Math.sin(Math.PI / 4), 0, Math.cos(Math.PI / 4)}; // -X

  @Test
  void membersInFrontAreOfInterestAndThoseBehindAreNot() {
    MemberPose me = at(0, 0, LOOK_AHEAD);
    assertTrue(interest.of(me, at(0, -5, null)), "straight ahead");
    assertTrue(interest.of(me, at(3, -5, null)), "ahead, within the cone");
    assertFalse(interest.of(me, at(0, 5, null)), "behind");
    assertFalse(interest.of(me, at(8, -1, null)), "far to the side, outside the cone");
  }

  @Test
  void turningAroundSwapsThem() {
    MemberPose me = at(0, 0, LOOK_BACK);
    assertFalse(interest.of(me, at(0, -5, null)));
    assertTrue(interest.of(me, at(0, 5, null)));
    MemberPose left = at(0, 0, LOOK_LEFT);
    assertTrue(interest.of(left, at(-5, 0, null)));
    assertFalse(interest.of(left, at(5, 0, null)));
  }

  @Test
  void membersWithinTheRadiusAreOfInterestWhereverTheyAre() {
    MemberPose me = at(0, 0, LOOK_AHEAD);
    assertTrue(interest.of(me, at(0, 1.5, null)), "close behind");
    assertTrue(interest.of(null, at(0, 5, null)), "a receiver without a pose gets everyone");
    assertTrue(interest.of(at(0, 0, null), at(0, 5, null)), "no rotation: everyone");
  }
}
