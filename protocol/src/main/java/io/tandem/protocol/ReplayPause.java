package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay.pause}: pause this connection's running replay of a session.
 *
 * @param ref request reference, or null
 * @param session the session being replayed
 */
public record ReplayPause(Long ref, SessionId session) implements ClientFrame, SessionFrame {

  /** Checks the session is present. */
  public ReplayPause {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_PAUSE;
  }
}
