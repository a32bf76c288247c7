package io.tandem.node.room;

import io.tandem.persistence.CborSerializable;
import java.util.List;

/**
 * The latest pose of an XR member: its head and hands, each optional, and the client's own time of
 * the sample ({@code t}, client ms, kept so receivers can measure latency). An immutable value.
 */
public record MemberPose(Double t, Part head, Part left, Part right) implements CborSerializable {

  /** One tracked node: position {@code [x,y,z]} and rotation quaternion {@code [x,y,z,w]}. */
  public record Part(List<Double> p, List<Double> q) implements CborSerializable {}

  /** Where the head is, or null. */
  public double[] headPosition() {
    if (head == null || head.p() == null) {
      return null;
    }
    return new double[] {head.p().get(0), head.p().get(1), head.p().get(2)};
  }

  /**
   * The direction the head looks in (WebXR looks along -Z in its own frame, rotated by its
   * quaternion), or null without a head rotation.
   */
  public double[] headForward() {
    if (head == null || head.q() == null) {
      return null;
    }
    double x = head.q().get(0);
    double y = head.q().get(1);
    double z = head.q().get(2);
    double w = head.q().get(3);
    return new double[] {
      -2 * (x * z + w * y), -2 * (y * z - w * x), -(1 - 2 * (x * x + y * y)),
    };
  }
}
