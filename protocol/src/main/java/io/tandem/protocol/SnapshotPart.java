package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * {@code snapshot.part}: part {@code i} (1 to parts - 1) of a map's snapshot that did not fit one
 * frame (protocol section 4.5). All parts follow their {@link Snapshot} before any other frame of
 * the session; the union of the snapshot's entries and its parts' is the state at {@code seq}.
 *
 * <p>Values are not deep-copied (see {@link Put}).
 *
 * @param session the map
 * @param seq the snapshot's seq
 * @param part the part's number, 1 or more
 * @param entries some of the state's entries (no null values)
 */
public record SnapshotPart(SessionId session, long seq, int part, Map<String, JsonNode> entries)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies the map (a {@link CheckedEntries} is kept as it is). */
  public SnapshotPart {
    Objects.requireNonNull(session, "session");
    if (seq < 0 || part < 1) {
      throw new IllegalArgumentException("seq must be >= 0 and part >= 1");
    }
    entries = MapEntries.copy(entries);
    if (!(entries instanceof CheckedEntries checked && !checked.deletes())
        && entries.containsValue(null)) {
      throw new IllegalArgumentException("a snapshot part holds no deleted entry");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.SNAPSHOT_PART;
  }
}
