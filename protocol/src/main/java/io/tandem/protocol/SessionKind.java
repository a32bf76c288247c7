package io.tandem.protocol;

import java.util.Optional;

/** The kind of a session: the part of a {@link SessionId} before the colon. */
public enum SessionKind {
  /** A collaborative room: a JSON document, shared 3D objects, presence and poses. */
  ROOM("room"),
  /** A live recording: a producer publishes events, viewers watch live or later. */
  RECORDING("recording"),
  /** A map: large keyed live state a producer keeps updating (protocol section 4.5). */
  MAP("map");

  private final String prefix;

  SessionKind(String prefix) {
    this.prefix = prefix;
  }

  /** The prefix on the wire, e.g. {@code room}. */
  public String prefix() {
    return prefix;
  }

  /** The kind with this prefix, or empty. */
  public static Optional<SessionKind> fromPrefix(String prefix) {
    for (SessionKind k : values()) {
      if (k.prefix.equals(prefix)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
