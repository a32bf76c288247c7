package io.tandem.protocol;

import java.util.Objects;

/**
 * One item of {@code replay.events}: a frame a live member saw, when, and its durable seq.
 *
 * @param seq the durable seq of the frame (for {@code events} the seq of its last event); null for
 *     {@code poses} items, omitted on the wire
 * @param ts the server time of the frame, epoch ms
 * @param frame the frame as a live member saw it ({@code delta}, {@code poses}, {@code events},
 *     {@code ended}); written as a full nested frame with version, type, session and payload
 */
public record ReplayItem(Long seq, long ts, ServerFrame frame) {

  /** Checks the frame is present. */
  public ReplayItem {
    Objects.requireNonNull(frame, "frame");
  }
}
