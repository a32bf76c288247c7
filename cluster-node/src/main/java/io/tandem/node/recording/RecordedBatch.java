package io.tandem.node.recording;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobRef;
import java.util.List;

/**
 * One published batch as recorded: its events take the seqs {@code fromSeq} to {@link #seq()} (a
 * batch with only {@code bytes} takes one). {@code size} is its approximate size in memory (the
 * JSON size of its events plus its payload's size), counted against the live buffer.
 *
 * <p>A payload is either inline ({@code bytes}, {@code blob} null: small payloads) or in the blob
 * store ({@code blob} set). A batch with a blob is persisted and kept in the recording's state
 * without its bytes; the copies that go to viewers (live updates, snapshots, resumes, replay,
 * export) carry them again, {@link #withBytes resolved}. Immutable: {@code bytes} is never changed
 * after it was received.
 */
public record RecordedBatch(
    long fromSeq,
    long ts,
    String by,
    List<JsonNode> events,
    boolean checkpoint,
    boolean isStatic,
    byte[] bytes,
    BlobRef blob,
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

  /** Whether the payload is in the blob store and this copy does not carry it. */
  public boolean needsBytes() {
    return blob != null && bytes == null;
  }

  /** This batch carrying its blob's bytes. */
  public RecordedBatch withBytes(byte[] payload) {
    return new RecordedBatch(fromSeq, ts, by, events, checkpoint, isStatic, payload, blob, size);
  }

  /** This batch as persisted and kept in state: a blob's bytes left out. */
  public RecordedBatch withoutBlobBytes() {
    return blob == null || bytes == null ? this : withBytes(null);
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
        blob,
        size);
  }
}
