package io.tandem.node.recording;

import io.tandem.node.session.DurableSession;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.blob.BlobRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The state of a recording: its seq, its static batches, and the live buffer of recent batches that
 * late joiners and resumes are served from.
 *
 * <p>Unlike room state this class is mutable, and deliberately so: a recording appends thousands of
 * batches, and copying the buffer on each one would cost O(n) per event. It is confined to its
 * entity: only the event handler changes it, views hand out copies, and snapshots are taken through
 * {@link #toSnapshot()} (an immutable copy made on the actor's thread), so nothing mutable leaves
 * the actor.
 *
 * <p>The buffer is bounded by {@code liveBufferBytes}: past it, the oldest non-static batches
 * before the latest checkpoint leave memory (never the journal). Static batches never leave.
 * Changes from {@link #historyFrom()} on are all in memory.
 *
 * <p>Batches whose payload is in the blob store are kept without their bytes; a {@link
 * PayloadCache} holds those bytes while a static batch or a buffered batch references them, and
 * everything this state hands out (views, missed changes) carries them again. A batch counts its
 * payload's size against the bound even when its bytes are shared with another batch, so the bound
 * is an upper limit of the memory held. The cache is never part of a snapshot: after a recovery its
 * bytes are {@link #missingPayloads() missing} until the entity read them.
 *
 * <p>A journal event holds a whole batch (several seqs), so a change's seq says nothing about where
 * the journal holds it. The state therefore counts the events it applied (which is the journal's
 * sequence number of the last one) and keeps a sparse index from a batch's first seq to its
 * sequence number, one entry per {@link #INDEX_EVERY} seqs or more (at most {@link #INDEX_MAX}
 * entries: past it every other one goes and the spacing doubles). Resumes that memory cannot answer
 * start reading the journal at the entry before them, not at its start.
 */
public final class RecordingState implements DurableSession {
  private String epoch;
  private long created;
  private long lastActivity;
  private long seq;
  private RecordingEnded ended;
  private final List<RecordedBatch> statics = new ArrayList<>();
  private final ArrayDeque<RecordedBatch> buffer = new ArrayDeque<>();
  private long latestCheckpointFrom = -1;
  private long bufferBytes;
  private long droppedBytes;
  private long historyFrom = 1;
  private final PayloadCache payloads = new PayloadCache();

  /** See {@link #loadingPayloads()}. */
  private boolean loadingPayloads;

  /** Seqs at least between two index entries, at first. */
  static final long INDEX_EVERY = 256;

  /** Index entries at most. */
  static final int INDEX_MAX = 1024;

  /** Events applied: the journal sequence number of the last one; -1 when not known. */
  private long journalEvents;

  /** First seq of a batch to its journal sequence number, sparse. */
  private final java.util.TreeMap<Long, Long> journalIndex = new java.util.TreeMap<>();

  private long indexEvery = INDEX_EVERY;

  /** An immutable copy of the state, as snapshots store it. */
  public record Snapshot(
      String epoch,
      long created,
      long lastActivity,
      long seq,
      RecordingEnded ended,
      List<RecordedBatch> statics,
      List<RecordedBatch> buffer,
      long latestCheckpointFrom,
      long droppedBytes,
      long historyFrom,
      Long journalEvents,
      Map<Long, Long> journalIndex,
      Long indexEvery)
      implements CborSerializable {}

  public boolean exists() {
    return epoch != null;
  }

  public String epoch() {
    return epoch;
  }

  public long created() {
    return created;
  }

  public long lastActivity() {
    return lastActivity;
  }

  public long seq() {
    return seq;
  }

  public boolean isEnded() {
    return ended != null;
  }

  /** Bytes of non-static batches held for late joiners now. */
  public long bufferBytes() {
    return bufferBytes;
  }

  /** Bytes that left memory because of the bound (they stay in the journal). */
  public long droppedBytes() {
    return droppedBytes;
  }

  /** Every change with a seq from here on is in memory. */
  public long historyFrom() {
    return historyFrom;
  }

  /** Every event the entity applies is counted here, before its own change. */
  void counted() {
    if (journalEvents >= 0) {
      journalEvents++;
    }
  }

  /**
   * The first journal sequence number that can hold a change after {@code since}: the sequence
   * number of the last indexed batch that starts at or before {@code since + 1}, or 0 (the start)
   * when the state does not know (recovered from a snapshot taken before it counted).
   */
  @Override
  public long journalFrom(long since) {
    if (journalEvents < 0) {
      return 0;
    }
    Map.Entry<Long, Long> at = journalIndex.floorEntry(since + 1);
    return at == null ? 0 : at.getValue();
  }

  private void index(RecordedBatch batch) {
    if (journalEvents < 0) {
      return;
    }
    Long last = journalIndex.isEmpty() ? null : journalIndex.lastKey();
    if (last != null && batch.fromSeq() < last + indexEvery) {
      return;
    }
    journalIndex.put(batch.fromSeq(), journalEvents);
    if (journalIndex.size() > INDEX_MAX) {
      // thin out: keep every other entry, the first one included, and space new ones wider
      boolean keep = true;
      for (var it = journalIndex.keySet().iterator(); it.hasNext(); keep = !keep) {
        it.next();
        if (!keep) {
          it.remove();
        }
      }
      indexEvery *= 2;
    }
  }

  void created(String epoch, long ts) {
    this.epoch = epoch;
    this.created = ts;
    this.lastActivity = ts;
  }

  /**
   * Records a batch (as persisted: a blob without its bytes); {@code payload} is the blob's bytes
   * when the entity has them (a fresh publish), null during recovery.
   */
  void published(RecordedBatch batch, long liveBufferBytes, byte[] payload) {
    index(batch);
    seq = batch.seq();
    lastActivity = batch.ts();
    if (batch.blob() != null) {
      payloads.hold(batch.blob(), payload);
    }
    if (batch.isStatic()) {
      statics.add(batch);
      return;
    }
    buffer.addLast(batch);
    bufferBytes += batch.size();
    if (batch.checkpoint()) {
      latestCheckpointFrom = batch.fromSeq();
    }
    while (bufferBytes > liveBufferBytes
        && !buffer.isEmpty()
        && buffer.peekFirst().fromSeq() < latestCheckpointFrom) {
      RecordedBatch dropped = buffer.removeFirst();
      if (dropped.blob() != null) {
        payloads.release(dropped.blob());
      }
      bufferBytes -= dropped.size();
      droppedBytes += dropped.size();
      historyFrom = dropped.seq() + 1;
    }
  }

  void ended(RecordingEnded end) {
    seq = end.seq();
    lastActivity = end.ts();
    ended = end;
  }

  /** Static batches, the latest checkpoint and what follows it: a late joiner's state. */
  public RecordingView view() {
    List<RecordedBatch> events = new ArrayList<>();
    for (RecordedBatch b : buffer) {
      if (b.fromSeq() >= latestCheckpointFrom) {
        events.add(resolve(b));
      }
    }
    List<RecordedBatch> staticBatches = new ArrayList<>(statics.size());
    statics.forEach(b -> staticBatches.add(resolve(b)));
    return new RecordingView(List.copyOf(staticBatches), List.copyOf(events), ended != null);
  }

  /** The blobs referenced from memory whose bytes are not there (after a recovery). */
  public List<BlobRef> missingPayloads() {
    return payloads.missing();
  }

  /**
   * True from a recovery that found blob bytes missing until the entity has read them back: the
   * entity's loading phase. Memory, like the bytes themselves; never in a snapshot.
   */
  public boolean loadingPayloads() {
    return loadingPayloads;
  }

  void loadingPayloads(boolean loading) {
    this.loadingPayloads = loading;
  }

  /** Bytes read from the blob store for a blob this state references. */
  void payloadLoaded(BlobRef ref, byte[] bytes) {
    payloads.fill(ref, bytes);
  }

  /** Distinct payload bytes held in memory for static and buffered batches. */
  public long payloadBytes() {
    return payloads.bytesHeld();
  }

  /** {@code b} carrying its blob's bytes when memory has them. */
  private RecordedBatch resolve(RecordedBatch b) {
    if (!b.needsBytes()) {
      return b;
    }
    byte[] bytes = payloads.bytes(b.blob());
    return bytes == null ? b : b.withBytes(bytes);
  }

  /** The changes after {@code since}, in seq order, if memory holds them all; else null. */
  public List<SessionUpdate> changesAfter(long since) {
    if (since >= seq) {
      return List.of();
    }
    if (since + 1 < historyFrom) {
      return null;
    }
    List<SessionUpdate> out = new ArrayList<>();
    int s = 0;
    for (RecordedBatch b : buffer) {
      while (s < statics.size() && statics.get(s).fromSeq() < b.fromSeq()) {
        addAfter(out, statics.get(s++), since);
      }
      addAfter(out, b, since);
    }
    while (s < statics.size()) {
      addAfter(out, statics.get(s++), since);
    }
    if (ended != null && ended.seq() > since) {
      out.add(ended);
    }
    return out;
  }

  private void addAfter(List<SessionUpdate> out, RecordedBatch b, long since) {
    if (b.seq() > since) {
      out.add(resolve(b).after(since));
    }
  }

  public Snapshot toSnapshot() {
    return new Snapshot(
        epoch,
        created,
        lastActivity,
        seq,
        ended,
        List.copyOf(statics),
        List.copyOf(buffer),
        latestCheckpointFrom,
        droppedBytes,
        historyFrom,
        journalEvents,
        Map.copyOf(journalIndex),
        indexEvery);
  }

  public static RecordingState fromSnapshot(Snapshot s) {
    RecordingState state = new RecordingState();
    state.epoch = s.epoch();
    state.created = s.created();
    state.lastActivity = s.lastActivity();
    state.seq = s.seq();
    state.ended = s.ended();
    state.statics.addAll(s.statics());
    state.buffer.addAll(s.buffer());
    state.latestCheckpointFrom = s.latestCheckpointFrom();
    state.droppedBytes = s.droppedBytes();
    state.historyFrom = s.historyFrom();
    // a snapshot from before the count does not know where its events are
    state.journalEvents = s.journalEvents() == null ? -1 : s.journalEvents();
    if (s.journalIndex() != null) {
      state.journalIndex.putAll(s.journalIndex());
    }
    state.indexEvery = s.indexEvery() == null ? INDEX_EVERY : s.indexEvery();
    s.buffer().forEach(b -> state.bufferBytes += b.size());
    for (RecordedBatch b : s.statics()) {
      if (b.blob() != null) {
        state.payloads.hold(b.blob(), null);
      }
    }
    for (RecordedBatch b : s.buffer()) {
      if (b.blob() != null) {
        state.payloads.hold(b.blob(), null);
      }
    }
    return state;
  }
}
