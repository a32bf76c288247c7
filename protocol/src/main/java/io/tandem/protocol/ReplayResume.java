package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay.resume}: resume a paused replay.
 *
 * @param ref request reference, or null
 * @param session the session being replayed
 */
public record ReplayResume(Long ref, SessionId session) implements ClientFrame, SessionFrame {

  /** Checks the session is present. */
  public ReplayResume {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_RESUME;
  }
}
