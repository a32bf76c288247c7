package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code end}: the publisher closes a recording; a durable change, answered by {@code ok{seq}}.
 *
 * @param ref request reference, or null
 * @param session the recording
 */
public record End(Long ref, SessionId session) implements ClientFrame, SessionFrame {

  /** Checks the session is present. */
  public End {
    Objects.requireNonNull(session, "session");
  }

  @Override
  public FrameType frameType() {
    return FrameType.END;
  }
}
