package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * {@code put}: a publisher's entries for a map (protocol section 4.5). A {@code null} value deletes
 * the key; the entries of one frame apply atomically. Durable (the default): one durable change
 * with its own seq, replied {@code ok{seq}}. Ephemeral ({@code durable: false}): replaces the live
 * values at once, replied {@code ok} without seq, sent to members at the map's tick.
 *
 * <p>Unlike most frames, the values are not deep-copied (a put may carry tens of thousands of
 * them): the map is copied, and its values are treated as immutable by everyone who holds them.
 *
 * @param ref request reference, or null
 * @param session the map
 * @param entries key to value (a JSON value, or null to delete); keys match {@link MapKeys}; at
 *     least one entry. Insertion order is kept.
 * @param durable whether the change is durable (absent on the wire: true)
 */
public record Put(Long ref, SessionId session, Map<String, JsonNode> entries, boolean durable)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants and copies the map (a {@link CheckedEntries} is kept as it is).
   *
   * @throws IllegalArgumentException when there is no entry or a key is invalid
   */
  public Put {
    Objects.requireNonNull(session, "session");
    entries = MapEntries.copy(entries);
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("a put needs at least one entry");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.PUT;
  }
}
