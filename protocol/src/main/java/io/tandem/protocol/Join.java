package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * {@code join}: enter a session (protocol section 4.1); answered by {@code snapshot} or {@code
 * error}.
 *
 * @param ref request reference, or null
 * @param session the session
 * @param role the role asked for; null becomes {@link Role#VIEWER}
 * @param since the last seq the client saw, to resume from, or null
 * @param epoch the epoch {@code since} came from, or null
 * @param presence the initial presence object, or null
 */
public record Join(
    Long ref, SessionId session, Role role, Long since, String epoch, JsonNode presence)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants and copies the presence.
   *
   * @throws IllegalArgumentException when since is negative or presence is not an object
   */
  public Join {
    Objects.requireNonNull(session, "session");
    if (role == null) {
      role = Role.VIEWER;
    }
    if (since != null && since < 0) {
      throw new IllegalArgumentException("since must be >= 0");
    }
    if (presence != null) {
      presence = Values.objectOrEmpty(presence, "presence");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.JOIN;
  }
}
