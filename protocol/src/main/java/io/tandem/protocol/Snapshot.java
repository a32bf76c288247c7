package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * {@code snapshot}: the answer to a {@code join} (protocol section 4.1). Either a full state
 * ({@code recovered} false, {@code state} an object) or a resume ({@code recovered} true, {@code
 * seq} = the join's {@code since}, and {@code state} written as an explicit JSON {@code null}),
 * followed by the missed changes.
 *
 * @param ref the join's ref, or null
 * @param session the session
 * @param seq the last applied seq (the join's since when recovered)
 * @param epoch the history the seqs belong to
 * @param state the state object when not recovered; null when recovered. Deep-copied; read-only.
 * @param members the members by member id; null becomes empty
 * @param recovered whether this is a resume
 * @param settings a room's settings (a Tandem addition), or null (recordings)
 * @param parts a map's number of parts (protocol 4.5): this frame and the {@link SnapshotPart}s
 *     that follow it; null (omitted) for other kinds and for a map's recovered snapshot
 */
public record Snapshot(
    Long ref,
    SessionId session,
    long seq,
    String epoch,
    JsonNode state,
    Map<String, MemberEntry> members,
    boolean recovered,
    RoomSettings settings,
    Integer parts)
    implements ServerFrame, SessionFrame {

  /**
   * Checks the invariants and copies.
   *
   * @throws IllegalArgumentException when state does not fit recovered, or seq is negative
   */
  public Snapshot {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(epoch, "epoch");
    if (seq < 0) {
      throw new IllegalArgumentException("seq must be >= 0");
    }
    if (recovered) {
      if (state != null && !state.isNull()) {
        throw new IllegalArgumentException("a recovered snapshot has no state");
      }
      state = null;
    } else {
      if (state == null || !state.isObject()) {
        throw new IllegalArgumentException("a snapshot that is not recovered needs a state object");
      }
      state = state.deepCopy();
    }
    members = Values.map(members, "members");
    if (parts != null && parts < 1) {
      throw new IllegalArgumentException("parts must be >= 1");
    }
  }

  /** A snapshot without parts (rooms and recordings). */
  public Snapshot(
      Long ref,
      SessionId session,
      long seq,
      String epoch,
      JsonNode state,
      Map<String, MemberEntry> members,
      boolean recovered,
      RoomSettings settings) {
    this(ref, session, seq, epoch, state, members, recovered, settings, null);
  }

  /** A snapshot without room settings (recordings, and clients that build one). */
  public Snapshot(
      Long ref,
      SessionId session,
      long seq,
      String epoch,
      JsonNode state,
      Map<String, MemberEntry> members,
      boolean recovered) {
    this(ref, session, seq, epoch, state, members, recovered, null, null);
  }

  @Override
  public FrameType frameType() {
    return FrameType.SNAPSHOT;
  }
}
