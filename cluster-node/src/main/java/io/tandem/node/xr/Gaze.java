package io.tandem.node.xr;

import io.tandem.node.room.MemberPose;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Ranks a room's shared objects by a receiver's gaze: the smallest angle between its gaze (WebXR's
 * -Z rotated by the head quaternion) and the direction from its head to the object's position
 * first, ties by distance, then by id. A receiver without a head position and rotation has no gaze:
 * its objects come in id order. Pure functions, no state.
 */
public final class Gaze {
  private Gaze() {}

  /**
   * One object as a receiver sees it.
   *
   * @param id the object id
   * @param degrees the angle between the gaze and the direction to the object (0 to 180; 0 for an
   *     object at the eye), or {@link Double#NaN} when the receiver has no gaze
   * @param distance metres from the head to the object, or {@link Double#NaN} without a gaze
   */
  public record Ranked(String id, double degrees, double distance) {
    /** Whether this ranking came from a gaze (else it is in id order). */
    public boolean hasGaze() {
      return !Double.isNaN(degrees);
    }
  }

  private static final Comparator<Ranked> BY_GAZE =
      Comparator.comparingDouble(Ranked::degrees)
          .thenComparingDouble(Ranked::distance)
          .thenComparing(Ranked::id);

  /**
   * The objects of {@code positions} (id to {@code [x,y,z]}; null means the origin) in gaze order
   * for {@code viewer} (null: no pose yet, id order).
   */
  public static List<Ranked> rank(MemberPose viewer, Map<String, double[]> positions) {
    double[] eye = viewer == null ? null : viewer.headPosition();
    double[] gaze = viewer == null ? null : viewer.headForward();
    List<Ranked> out = new ArrayList<>(positions.size());
    if (eye == null || gaze == null) {
      positions.keySet().forEach(id -> out.add(new Ranked(id, Double.NaN, Double.NaN)));
      out.sort(Comparator.comparing(Ranked::id));
      return out;
    }
    double gazeLength = Math.sqrt(gaze[0] * gaze[0] + gaze[1] * gaze[1] + gaze[2] * gaze[2]);
    for (Map.Entry<String, double[]> e : positions.entrySet()) {
      double[] p = e.getValue() == null ? new double[3] : e.getValue();
      double dx = p[0] - eye[0];
      double dy = p[1] - eye[1];
      double dz = p[2] - eye[2];
      double d = Math.sqrt(dx * dx + dy * dy + dz * dz);
      double degrees = 0;
      if (d > 1e-9 && gazeLength > 1e-9) {
        double cos = (dx * gaze[0] + dy * gaze[1] + dz * gaze[2]) / (d * gazeLength);
        degrees = Math.toDegrees(Math.acos(Math.max(-1, Math.min(1, cos))));
      }
      out.add(new Ranked(e.getKey(), degrees, d));
    }
    out.sort(BY_GAZE);
    return out;
  }
}
