package io.tandem.protocol;

import java.util.List;
import java.util.Objects;

/**
 * {@code replay.events}: a slice of a replay, payload {@code {items: [{seq, ts, frame}]}}.
 *
 * @param session the session being replayed
 * @param items the items, in order
 */
public record ReplayEvents(SessionId session, List<ReplayItem> items)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public ReplayEvents {
    Objects.requireNonNull(session, "session");
    items = List.copyOf(Objects.requireNonNull(items, "items"));
  }

  @Override
  public FrameType frameType() {
    return FrameType.REPLAY_EVENTS;
  }
}
