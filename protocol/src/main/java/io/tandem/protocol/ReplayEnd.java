package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay.end}: the replay is complete.
 *
 * @param session the session replayed
 * @param seq the last seq replayed
 */
public record ReplayEnd(SessionId session, long seq) implements ServerFrame, SessionFrame {

  /** Checks the session is present. */
  public ReplayEnd {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_END;
  }
}
