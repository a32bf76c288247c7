package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay}: stream a persisted session's history (protocol section 4.4).
 *
 * @param ref request reference, or null
 * @param session the session
 * @param from the first seq, at least 1 (wire default 1)
 * @param until the last seq, or null for the seq current when the replay starts
 * @param speed the pace factor, finite and at least 0; 0 means as fast as possible (wire default
 *     1.0)
 */
public record Replay(Long ref, SessionId session, long from, Long until, double speed)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants.
   *
   * @throws IllegalArgumentException when from is below 1, until negative, or speed invalid
   */
  public Replay {
    Objects.requireNonNull(session, "session");
    if (from < 1) {
      throw new IllegalArgumentException("from must be >= 1");
    }
    if (until != null && until < 0) {
      throw new IllegalArgumentException("until must be >= 0");
    }
    ReplaySpeed.checkSpeed(speed);
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY;
  }
}
