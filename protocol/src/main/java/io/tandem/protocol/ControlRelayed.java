package io.tandem.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * {@code control} from the server: a member's {@link Control} as a publisher of the map gets it,
 * {@code control{by, ...}}: the sender's keys with {@code by}, the sender's member id (it replaces
 * a {@code by} the sender put in).
 *
 * @param session the map
 * @param by the member id of the sender
 * @param control the sender's payload, without {@code by}. Deep-copied; read-only.
 */
public record ControlRelayed(SessionId session, String by, ObjectNode control)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public ControlRelayed {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(by, "by");
    control = Values.objectOrEmpty(control, "control");
    control.remove("by");
  }

  @Override
  public FrameType frameType() {
    return FrameType.CONTROL_RELAYED;
  }
}
