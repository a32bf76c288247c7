package io.tandem.node.map;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Limits and timings of maps (protocol section 4.5), read once from {@code tandem.map}.
 *
 * @param maxEntries entries per map; a put that would pass it gets {@code too_big}
 * @param maxValueBytes bytes of one value (its encoded size, see {@link MapSizes})
 * @param maxStateBytes bytes of a map's state (keys and values)
 * @param partBytes the most entry bytes in one frame: a snapshot part, a {@code changes} frame (at
 *     most the connection's {@code max-frame-bytes} less {@link MapSizes#FRAME_OVERHEAD})
 * @param tickInterval ephemeral values, joins and leaves go out at this interval
 * @param checkpointInterval ephemeral values are persisted this often (when some changed)
 * @param checkpointMaxBytes the most entry bytes one checkpoint writes (the rest waits for the
 *     next), which keeps a journal write well below Cassandra's mutation limit
 * @param snapshotReuse a join within this time of the previous snapshot shares its parts (and gets
 *     the ephemeral values changed since then as {@code changes})
 * @param recentChanges durable changes kept in memory for resumes (older ones: the journal)
 * @param snapshotEvery a Pekko snapshot every this many events, so recovery reads few events
 * @param maxMembers members of one map
 * @param maxQueuedPuts put frames a publisher may have waiting behind the one being written
 * @param passivateAfter a map with no members (and no unsaved values) stops after this long
 * @param snapshotStore the Pekko snapshot store of maps (a config path; "": the default one)
 * @param snapshotPartBytes entry bytes (estimated) in one part of a snapshot
 * @param publisherBytesPerSecond the byte bucket of a map's publisher: its {@code put} frames to
 *     the maps it publishes count here instead of the connection's {@code tandem.ws} bucket
 * @param publisherBurstBytes that bucket's size
 */
public record MapSettings(
    int maxEntries,
    int maxValueBytes,
    long maxStateBytes,
    int partBytes,
    Duration tickInterval,
    Duration checkpointInterval,
    long checkpointMaxBytes,
    Duration snapshotReuse,
    int recentChanges,
    int snapshotEvery,
    int maxMembers,
    int maxQueuedPuts,
    Duration passivateAfter,
    String snapshotStore,
    int snapshotPartBytes,
    long publisherBytesPerSecond,
    long publisherBurstBytes) {

  /**
   * Reads {@code tandem.map}; {@code maxFrameBytes} (of {@code tandem.ws}) caps the part size.
   *
   * @throws IllegalArgumentException when one value cannot fit a frame
   */
  public static MapSettings fromConfig(Config root, int maxFrameBytes) {
    Config c = root.getConfig("tandem.map");
    int valueBytes = (int) (long) c.getBytes("max-value-bytes");
    int part =
        Math.min((int) (long) c.getBytes("part-bytes"), maxFrameBytes - MapSizes.FRAME_OVERHEAD);
    if (valueBytes + 300 > part) {
      throw new IllegalArgumentException(
          "tandem.map.max-value-bytes ("
              + valueBytes
              + ") must leave 300 bytes for its key and frame in one part: tandem.map.part-bytes ("
              + c.getBytes("part-bytes")
              + ", at most tandem.ws.max-frame-bytes ("
              + maxFrameBytes
              + ") less "
              + MapSizes.FRAME_OVERHEAD
              + ")");
    }
    return new MapSettings(
        c.getInt("max-entries"),
        valueBytes,
        c.getBytes("max-state-bytes"),
        part,
        c.getDuration("tick-interval"),
        c.getDuration("checkpoint-interval"),
        c.getBytes("checkpoint-max-bytes"),
        c.getDuration("snapshot-reuse"),
        c.getInt("recent-changes"),
        c.getInt("snapshot-every"),
        c.getInt("max-members"),
        c.getInt("max-queued-puts"),
        c.getDuration("passivate-after"),
        c.getString("snapshot-store"),
        (int) (long) c.getBytes("snapshot-part-bytes"),
        c.getBytes("publisher-max-bytes-per-second"),
        Math.max(c.getBytes("publisher-burst-bytes"), maxFrameBytes));
  }
}
