package io.tandem.protocol;

import java.util.List;

/**
 * The placement of a shared 3D object: position, rotation quaternion and scale. Each part is
 * optional (null, omitted on the wire); a present part has exactly 3 ({@code p}, {@code s}) or 4
 * ({@code q}, as x, y, z, w) finite numbers.
 *
 * @param p position {@code [x, y, z]}, or null
 * @param q rotation quaternion {@code [x, y, z, w]}, or null
 * @param s scale {@code [x, y, z]}, or null
 */
public record Transform(List<Double> p, List<Double> q, List<Double> s) {

  /**
   * Checks the sizes and copies the lists.
   *
   * @throws IllegalArgumentException on a wrong size or a non-finite number
   */
  public Transform {
    p = Values.vector(p, 3, "p");
    q = Values.vector(q, 4, "q");
    s = Values.vector(s, 3, "s");
  }
}
