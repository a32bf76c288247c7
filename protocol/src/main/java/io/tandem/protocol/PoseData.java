package io.tandem.protocol;

/**
 * One pose sample of an XR client: the {@code pose} payload and each value of {@code poses.poses}.
 * Every part is optional (null, omitted on the wire).
 *
 * @param t the client's time in ms, or null
 * @param head the head pose, or null
 * @param left the left hand pose, or null
 * @param right the right hand pose, or null
 */
public record PoseData(Double t, PoseNode head, PoseNode left, PoseNode right) {

  /**
   * Checks t.
   *
   * @throws IllegalArgumentException when t is not finite
   */
  public PoseData {
    if (t != null && !Double.isFinite(t)) {
      throw new IllegalArgumentException("t must be finite");
    }
  }
}
