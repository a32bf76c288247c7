package io.tandem.node.room;

import io.tandem.persistence.CborSerializable;
import java.util.List;

/** Position, rotation (quaternion) and scale of a shared object; each part may be absent. */
public record ObjectTransform(List<Double> p, List<Double> q, List<Double> s)
    implements CborSerializable {
  public static final ObjectTransform IDENTITY =
      new ObjectTransform(
          List.of(0.0, 0.0, 0.0), List.of(0.0, 0.0, 0.0, 1.0), List.of(1.0, 1.0, 1.0));

  /** This transform with the parts {@code update} has replacing ours. */
  public ObjectTransform merge(ObjectTransform update) {
    if (update == null) {
      return this;
    }
    return new ObjectTransform(
        update.p() != null ? update.p() : p,
        update.q() != null ? update.q() : q,
        update.s() != null ? update.s() : s);
  }
}
