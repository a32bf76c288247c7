package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code resync}: the connection fell too far behind in a session; a fresh {@code snapshot} follows
 * instead of the backlog (protocol section 6).
 *
 * @param session the session
 */
public record Resync(SessionId session) implements ServerFrame, SessionFrame {

  /** Checks the session is present. */
  public Resync {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.RESYNC;
  }
}
