package io.tandem.protocol;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code delta}: one durable change of a room (protocol section 4.2): doc ops, object states, or
 * both.
 *
 * @param session the room
 * @param seq the change's seq
 * @param by the member id that made it (for a hold that expired, the former holder)
 * @param ts the server time of the change, epoch ms
 * @param ops the doc ops, or null (omitted)
 * @param objects object id to new state, a null value meaning removed (written as JSON null); null
 *     when the change touched no object (omitted). Insertion order is kept.
 */
public record Delta(
    SessionId session,
    long seq,
    String by,
    long ts,
    List<DocOp> ops,
    Map<String, ObjectState> objects)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public Delta {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(by, "by");
    ops = ops == null ? null : List.copyOf(ops);
    objects = Values.mapWithNulls(objects);
  }

  @Override
  public FrameType frameType() {
    return FrameType.DELTA;
  }
}
