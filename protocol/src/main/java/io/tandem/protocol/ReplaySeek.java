package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay.seek}: continue a running replay from another seq.
 *
 * @param ref request reference, or null
 * @param session the session being replayed
 * @param seq the seq to continue from, at least 0
 */
public record ReplaySeek(Long ref, SessionId session, long seq)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants.
   *
   * @throws IllegalArgumentException when seq is negative
   */
  public ReplaySeek {
    Objects.requireNonNull(session, "session");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_SEEK;
  }
}
