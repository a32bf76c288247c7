package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code ended}: the recording was closed by its publisher.
 *
 * @param session the recording
 * @param seq the seq of the end
 */
public record Ended(SessionId session, long seq) implements ServerFrame, SessionFrame {

  /** Checks the session is present. */
  public Ended {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.ENDED;
  }
}
