package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code settings} from the server (a Tandem addition): a room's settings changed; payload {@code
 * {"tickHz": n, "by": "<member>"}}. Sent to every member when an editor changes them.
 *
 * @param session the room
 * @param settings the room's settings now
 * @param by the member id of the editor who changed them, or null
 */
public record SettingsChanged(SessionId session, RoomSettings settings, String by)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants. */
  public SettingsChanged {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(settings, "settings");
  }

  @Override
  public FrameType frameType() {
    return FrameType.SETTINGS_CHANGED;
  }
}
