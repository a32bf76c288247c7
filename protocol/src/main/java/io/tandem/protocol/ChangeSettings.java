package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code settings} from a client (a Tandem addition): change a room's settings, payload {@code
 * {"tickHz": n}}. Needs the editor role; answered by {@code ok} without a {@code seq} (settings are
 * not part of the room's sequenced history), then every member gets {@link SettingsChanged}.
 *
 * @param ref request reference, or null
 * @param session the room
 * @param settings the new settings
 */
public record ChangeSettings(Long ref, SessionId session, RoomSettings settings)
    implements ClientFrame, SessionFrame {

  /** Checks the invariants. */
  public ChangeSettings {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(settings, "settings");
  }

  @Override
  public FrameType frameType() {
    return FrameType.CHANGE_SETTINGS;
  }
}
