package io.tandem.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code control}: a member's small object for the publishers of a map (protocol section 4.5),
 * relayed to each as {@link ControlRelayed}, never persisted. Replied {@code ok}, or {@code
 * unavailable} when no publisher is joined.
 *
 * @param ref request reference, or null
 * @param session the map
 * @param control the payload as sent (any object; may be empty). Deep-copied; read-only.
 */
public record Control(Long ref, SessionId session, ObjectNode control)
    implements ClientFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public Control {
    Objects.requireNonNull(session, "session");
    control = Values.objectOrEmpty(control, "control");
  }

  @Override
  public FrameType frameType() {
    return FrameType.CONTROL;
  }
}
