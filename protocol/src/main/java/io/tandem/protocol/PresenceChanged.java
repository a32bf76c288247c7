package io.tandem.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * {@code presence} from the server: members whose presence changed, who joined, or who left
 * (protocol section 4.2). Payload {@code {members: {<member id>: <entry> | null}}}.
 *
 * @param session the session
 * @param members member id to its entry, a null value meaning the member left (written as JSON
 *     null). Insertion order is kept.
 */
public record PresenceChanged(SessionId session, Map<String, MemberEntry> members)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public PresenceChanged {
    Objects.requireNonNull(session, "session");
    members = Values.mapWithNulls(Objects.requireNonNull(members, "members"));
  }

  @Override
  public FrameType frameType() {
    return FrameType.PRESENCE_CHANGED;
  }
}
