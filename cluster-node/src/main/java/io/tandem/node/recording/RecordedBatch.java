package io.tandem.node.recording;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionUpdate;
import java.util.List;

/**
 * One published batch as recorded: its events take the seqs {@code fromSeq} to {@link #seq()} (a
 * batch with only {@code bytes} takes one). {@code size} is its approximate size in memory (the
 * JSON size of its events plus its bytes), counted against the live buffer. Immutable: {@code
 * bytes} is never changed after it was received.
 */
public record RecordedBatch(
    long fromSeq,
    long ts,
    String by,
    List<JsonNode> events,
    boolean checkpoint,
    boolean isStatic,
    byte[] bytes,
    long size)
    implements SessionUpdate {

  @Override
  public long seq() {
    return fromSeq + Math.max(events.size(), 1) - 1;
  }

  @Override
  public long firstSeq() {
    return fromSeq;
  }

  /** The events after {@code since}; the whole batch when it starts after it. */
  @Override
  public SessionUpdate after(long since) {
    if (since < fromSeq || events.isEmpty()) {
      return this;
    }
    int skip = (int) (since - fromSeq + 1);
    return new RecordedBatch(
        since + 1,
        ts,
        by,
        List.copyOf(events.subList(skip, events.size())),
        checkpoint,
        isStatic,
        bytes,
        size);
  }
}
