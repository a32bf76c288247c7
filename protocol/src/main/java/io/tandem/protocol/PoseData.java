package io.tandem.protocol;

import java.util.Objects;

/**
 * One pose sample of an XR client: the {@code pose} payload and each value of {@code poses.poses}.
 * Every part is optional (null, omitted on the wire).
 *
 * <p>Immutable. A server sends one member's pose of a tick in the {@code poses} frame of every
 * other member, each frame different (it leaves out its receiver); so a pose keeps its own encoding
 * once made ({@link FrameMappings}), and a tick of 50 members encodes 50 poses, not 50 × 49.
 */
public final class PoseData {
  private final Double t;
  private final PoseNode head;
  private final PoseNode left;
  private final PoseNode right;

  /** This pose as the wire writes it, made on first use; equal however often it is made. */
  private volatile EncodedPose encoded;

  /**
   * @param t the client's time in ms, or null
   * @param head the head pose, or null
   * @param left the left hand pose, or null
   * @param right the right hand pose, or null
   * @throws IllegalArgumentException when t is not finite
   */
  public PoseData(Double t, PoseNode head, PoseNode left, PoseNode right) {
    if (t != null && !Double.isFinite(t)) {
      throw new IllegalArgumentException("t must be finite");
    }
    this.t = t;
    this.head = head;
    this.left = left;
    this.right = right;
  }

  /** The client's time in ms, or null. */
  public Double t() {
    return t;
  }

  /** The head pose, or null. */
  public PoseNode head() {
    return head;
  }

  /** The left hand pose, or null. */
  public PoseNode left() {
    return left;
  }

  /** The right hand pose, or null. */
  public PoseNode right() {
    return right;
  }

  EncodedPose encoded() {
    EncodedPose e = encoded;
    if (e == null) {
      e = new EncodedPose(FrameMappings.writePoseData(this));
      encoded = e;
    }
    return e;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PoseData other
        && Objects.equals(t, other.t)
        && Objects.equals(head, other.head)
        && Objects.equals(left, other.left)
        && Objects.equals(right, other.right);
  }

  @Override
  public int hashCode() {
    return Objects.hash(t, head, left, right);
  }

  @Override
  public String toString() {
    return "PoseData[t=" + t + ", head=" + head + ", left=" + left + ", right=" + right + "]";
  }
}
