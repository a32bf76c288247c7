package io.tandem.protocol;

/**
 * The optional {@code key} of {@code op} and {@code object} payloads (a Tandem addition to protocol
 * section 4.2): a string the client chooses, unique among its own changes to a room, for example a
 * random id per change. A client that did not get the {@code ok} of a change (its connection or the
 * room's node went away) sends the same frame again with the same key, from any node; the room
 * answers {@code ok} with the seq of the first application and does not apply it twice. Rooms
 * remember the keys of their most recent keyed changes (configurable), per principal.
 */
public final class IdempotencyKey {
  /** The longest key, in chars. */
  public static final int MAX_LENGTH = 128;

  private IdempotencyKey() {}

  /**
   * Checks a key; null (no key) is valid.
   *
   * @throws IllegalArgumentException when the key is empty or longer than {@link #MAX_LENGTH}
   */
  public static void check(String key) {
    if (key != null && (key.isEmpty() || key.length() > MAX_LENGTH)) {
      throw new IllegalArgumentException("key must have 1 to " + MAX_LENGTH + " chars");
    }
  }
}
