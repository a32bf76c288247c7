package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * {@code publish}: a producer's batch of events to a recording (protocol section 4.3). Each event
 * takes its own seq; a batch with only bytes takes one. Answered by {@code ok{seq}} with the
 * batch's last seq.
 *
 * @param ref request reference, or null
 * @param session the recording
 * @param events the events (any JSON values); null becomes empty. Deep-copied; read-only.
 * @param checkpoint whether the batch holds a full state
 * @param isStatic whether the batch is static (never dropped from the live buffer); wire key {@code
 *     static}
 * @param bytes an optional binary blob, or null
 */
public record Publish(
    Long ref,
    SessionId session,
    List<JsonNode> events,
    boolean checkpoint,
    boolean isStatic,
    Blob bytes)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants and copies the events.
   *
   * @throws IllegalArgumentException when there are neither events nor bytes
   */
  public Publish {
    Objects.requireNonNull(session, "session");
    events = Values.jsonList(events);
    if (events.isEmpty() && bytes == null) {
      throw new IllegalArgumentException("a publish needs events or bytes");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.PUBLISH;
  }
}
