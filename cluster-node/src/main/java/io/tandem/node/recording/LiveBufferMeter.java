package io.tandem.node.recording;

import io.tandem.node.metrics.TandemMetrics;

/**
 * Mirrors one recording's live buffer into the node-wide metrics: the bytes it holds now (added to
 * the node's gauge as differences) and the bytes it dropped from memory. Confined to its entity's
 * actor.
 */
final class LiveBufferMeter {
  private long reportedBytes;
  private long reportedDropped = -1;

  /** After a change of {@code state} (a publish, a recovery). */
  void update(RecordingState state) {
    long bytes = state.bufferBytes();
    TandemMetrics.liveBufferChanged(bytes - reportedBytes);
    reportedBytes = bytes;
    long dropped = state.droppedBytes();
    // what a recovered recording had dropped before is not new
    if (reportedDropped >= 0) {
      TandemMetrics.liveBufferDropped(dropped - reportedDropped);
    }
    reportedDropped = dropped;
  }

  /** The entity stopped: its buffer left memory. */
  void stopped() {
    TandemMetrics.liveBufferChanged(-reportedBytes);
    reportedBytes = 0;
  }
}
