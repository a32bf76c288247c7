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
 * @param key the idempotency key, or null: a retried frame with the same key is applied at most
 *     once (a Tandem addition to protocol 4.2, see {@link IdempotencyKey})
 */
public record Op(Long ref, SessionId session, List<DocOp> ops, String key)
    implements ClientFrame, SessionFrame {

  /** An op without an idempotency key. */
  public Op(Long ref, SessionId session, List<DocOp> ops) {
    this(ref, session, ops, null);
  }

  /**
   * Checks the invariants and copies the list.
   *
   * @throws IllegalArgumentException when ops is empty or the key is invalid
   */
  public Op {
    Objects.requireNonNull(session, "session");
    IdempotencyKey.check(key);
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
