package io.tandem.protocol;

import java.util.Locale;
import java.util.Optional;

/** The {@code action} of an {@code object} frame (protocol section 4.2). */
public enum ObjectActionKind {
  /** Creates (or replaces) an object. */
  SPAWN,
  /** Takes an exclusive hold on an object. */
  GRAB,
  /** Moves a held object. */
  MOVE,
  /** Ends a hold. */
  RELEASE,
  /** Removes an object. */
  REMOVE;

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** The wire name, e.g. {@code spawn}. */
  public String wire() {
    return wire;
  }

  /** The action with this wire name, or empty. */
  public static Optional<ObjectActionKind> fromWire(String wire) {
    for (ObjectActionKind k : values()) {
      if (k.wire.equals(wire)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
