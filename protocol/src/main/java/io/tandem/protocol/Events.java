package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * {@code events}: one published batch of a recording as viewers get it (protocol section 4.3).
 *
 * @param session the recording
 * @param fromSeq the seq of the batch's first event
 * @param events the events; null becomes empty. Deep-copied; read-only.
 * @param checkpoint whether the batch holds a full state
 * @param isStatic whether the batch is static; wire key {@code static}
 * @param bytes the batch's binary blob, or null (omitted)
 */
public record Events(
    SessionId session,
    long fromSeq,
    List<JsonNode> events,
    boolean checkpoint,
    boolean isStatic,
    Blob bytes)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public Events {
    Objects.requireNonNull(session, "session");
    events = Values.jsonList(events);
  }

  @Override
  public FrameType frameType() {
    return FrameType.EVENTS;
  }
}
