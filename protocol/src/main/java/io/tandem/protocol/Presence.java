package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * {@code presence} from a client: its new ephemeral presence in a session. The whole payload object
 * is the presence. Never acknowledged.
 *
 * @param ref request reference, or null
 * @param session the session
 * @param presence the presence object; null becomes {@code {}}. Deep-copied; read-only.
 */
public record Presence(Long ref, SessionId session, JsonNode presence)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants and copies the presence.
   *
   * @throws IllegalArgumentException when presence is not an object
   */
  public Presence {
    Objects.requireNonNull(session, "session");
    presence = Values.objectOrEmpty(presence, "presence");
  }

  @Override
  public FrameType frameType() {
    return FrameType.PRESENCE;
  }
}
