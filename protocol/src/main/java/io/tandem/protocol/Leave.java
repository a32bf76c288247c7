package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code leave}: leave a session; answered by {@code ok}.
 *
 * @param ref request reference, or null
 * @param session the session
 */
public record Leave(Long ref, SessionId session) implements ClientFrame, SessionFrame {

  /** Checks the session is present. */
  public Leave {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.LEAVE;
  }
}
