package io.tandem.protocol;

import java.util.List;

/**
 * The pose of one tracked node (head or a hand) of an XR client.
 *
 * @param p position {@code [x, y, z]}, or null (omitted)
 * @param q rotation quaternion {@code [x, y, z, w]}, or null (omitted)
 */
public record PoseNode(List<Double> p, List<Double> q) {

  /**
   * Checks the sizes and copies the lists.
   *
   * @throws IllegalArgumentException on a wrong size or a non-finite number
   */
  public PoseNode {
    p = Values.vector(p, 3, "p");
    q = Values.vector(q, 4, "q");
  }
}
