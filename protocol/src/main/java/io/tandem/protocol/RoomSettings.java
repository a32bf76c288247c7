package io.tandem.protocol;

/**
 * The settings of a room that its members can change (a Tandem addition): {@code {"tickHz": n}}.
 * Carried by the client's {@code settings} request, the server's {@code settings} announcement and
 * a room's {@code snapshot}.
 *
 * @param tickHz the room's tick rate: how many {@code poses} and {@code presence} frames a second a
 *     receiver gets at most, and how many poses a second each sender's node forwards to the room
 */
public record RoomSettings(int tickHz) {

  /**
   * The fastest tick a server allows (its configured maximum cannot go beyond): 90 Hz, the top
   * refresh rate of today's headsets. Faster requests are refused by the server, not the codec.
   */
  public static final int MAX_TICK_HZ = 90;

  /**
   * Checks the range.
   *
   * @throws IllegalArgumentException when {@code tickHz} is under 1
   */
  public RoomSettings {
    if (tickHz < 1) {
      throw new IllegalArgumentException("tickHz must be at least 1");
    }
  }
}
