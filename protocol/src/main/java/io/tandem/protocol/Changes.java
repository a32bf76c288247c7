package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * {@code changes}: entries of a map that changed (protocol section 4.5). A durable change carries
 * its {@code seq}, {@code by} and {@code ts}; ephemeral values (sent at the map's tick, on resume,
 * and as replayed checkpoints) carry none of the three.
 *
 * <p>Values are not deep-copied (see {@link Put}): the map is copied, values are read-only.
 *
 * @param session the map
 * @param seq the durable change's seq, or null (ephemeral)
 * @param by the member id of the publisher, or null (ephemeral)
 * @param ts server time of the change, epoch ms, or null (ephemeral)
 * @param entries key to new value, null meaning deleted (written as JSON null)
 */
public record Changes(
    SessionId session, Long seq, String by, Long ts, Map<String, JsonNode> entries)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies the map (a {@link CheckedEntries} is kept as it is). */
  public Changes {
    Objects.requireNonNull(session, "session");
    if (seq != null && (by == null || ts == null)) {
      throw new IllegalArgumentException("a durable change has by and ts");
    }
    entries = MapEntries.copy(entries);
  }

  /** Ephemeral values: no seq, by or ts. */
  public static Changes ephemeral(SessionId session, Map<String, JsonNode> entries) {
    return new Changes(session, null, null, null, entries);
  }

  @Override
  public FrameType frameType() {
    return FrameType.CHANGES;
  }
}
