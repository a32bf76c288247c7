package io.tandem.node.auth;

import java.util.Optional;

/** A right a grant gives on the sessions it names (protocol section 8). */
public enum Right {
  /** Join as viewer, replay, read over HTTP. */
  READ,
  /** Edit a room: op, object, presence, pose. Includes {@link #READ}. */
  WRITE,
  /** Publish to a recording. */
  PUBLISH,
  /** The operator API, granted as {@code node:*:admin}. */
  ADMIN;

  /** Whether holding this right also gives {@code wanted}. */
  public boolean includes(Right wanted) {
    return this == wanted || (this == WRITE && wanted == READ);
  }

  public static Optional<Right> fromWire(String s) {
    for (Right r : values()) {
      if (r.name().equalsIgnoreCase(s)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
