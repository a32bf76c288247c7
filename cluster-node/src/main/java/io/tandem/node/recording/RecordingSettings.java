package io.tandem.node.recording;

import com.typesafe.config.Config;
import java.time.Duration;

/** Limits and timings of recordings, read once from {@code tandem.recording}. */
public record RecordingSettings(
    long liveBufferBytes,
    int maxBatchEvents,
    int maxBytes,
    int maxMembers,
    int maxQueuedPublishes,
    Duration tickInterval,
    int snapshotEvery,
    Duration passivateAfter) {

  public static RecordingSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.recording");
    return new RecordingSettings(
        c.getBytes("live-buffer-bytes"),
        c.getInt("max-batch-events"),
        (int) (long) c.getBytes("max-bytes"),
        c.getInt("max-members"),
        c.getInt("max-queued-publishes"),
        c.getDuration("tick-interval"),
        c.getInt("snapshot-every"),
        c.getDuration("passivate-after"));
  }
}
