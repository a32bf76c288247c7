package io.tandem.node.recording;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits and timings of recordings, read once from {@code tandem.recording}. A payload ({@code
 * bytes}) larger than {@code blobThreshold} goes to the blob store and events reference it.
 */
public record RecordingSettings(
    long liveBufferBytes,
    int maxBatchEvents,
    int maxBytes,
    int blobThreshold,
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
        (int) (long) c.getBytes("blob-threshold"),
        c.getInt("max-members"),
        c.getInt("max-queued-publishes"),
        c.getDuration("tick-interval"),
        c.getInt("snapshot-every"),
        c.getDuration("passivate-after"));
  }
}
