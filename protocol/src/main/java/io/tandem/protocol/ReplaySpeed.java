package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code replay.speed}: change the pace of a running replay.
 *
 * @param ref request reference, or null
 * @param session the session being replayed
 * @param speed the pace factor, finite and at least 0; 0 means as fast as possible
 */
public record ReplaySpeed(Long ref, SessionId session, double speed)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants.
   *
   * @throws IllegalArgumentException when speed is negative or not finite
   */
  public ReplaySpeed {
    Objects.requireNonNull(session, "session");
    checkSpeed(speed);
  }

  static void checkSpeed(double speed) {
    if (!Double.isFinite(speed) || speed < 0) {
      throw new IllegalArgumentException("speed must be a finite number >= 0");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_SPEED;
  }
}
