package io.tandem.protocol;

import java.util.List;
import java.util.Objects;

/**
 * {@code op}: edit a room's document; the ops apply atomically in order and take one seq. Answered
 * by {@code ok{seq}}.
 *
 * @param ref request reference, or null
 * @param session the room
 * @param ops the ops, at least one
 */
public record Op(Long ref, SessionId session, List<DocOp> ops)
    implements ClientFrame, SessionFrame {

  /**
   * Checks the invariants and copies the list.
   *
   * @throws IllegalArgumentException when ops is empty
   */
  public Op {
    Objects.requireNonNull(session, "session");
    ops = List.copyOf(Objects.requireNonNull(ops, "ops"));
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("ops must not be empty");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.OP;
  }
}
