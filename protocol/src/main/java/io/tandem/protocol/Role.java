package io.tandem.protocol;

import java.util.Optional;

/**
 * The role a member joins a session with (protocol section 4.2). {@code viewer} needs the {@code
 * read} grant, {@code editor} needs {@code write}, {@code publisher} needs {@code publish}.
 */
public enum Role {
  /** Reads: snapshot, deltas, presence, poses, replay. */
  VIEWER("viewer"),
  /** Edits a room: ops, objects, presence, poses. */
  EDITOR("editor"),
  /** Publishes to a recording. */
  PUBLISHER("publisher");

  private final String wire;

  Role(String wire) {
    this.wire = wire;
  }

  /** The wire name, e.g. {@code viewer}. */
  public String wire() {
    return wire;
  }

  /** The role with this wire name, or empty. */
  public static Optional<Role> fromWire(String wire) {
    for (Role r : values()) {
      if (r.wire.equals(wire)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
