package io.tandem.node.map;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.DurableSession;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.CborSerializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state of a map: its entries (each with its value, its encoded size and whether its latest
 * value came from an ephemeral put), the bytes they take, its seq, and the recent durable changes
 * that resumes are served from.
 *
 * <p>Mutable on purpose, like a recording's state: a map holds up to a million entries and takes
 * tens of thousands of ephemeral values a second, which no copy per change could afford. It is
 * confined to its entity: durable changes and checkpoints change it in the event handler, ephemeral
 * puts in the command handler (they are not events: a checkpoint of their latest values is, every
 * few seconds); snapshots go through {@link #toSnapshot()}, an immutable copy made on the actor's
 * thread. Nothing mutable leaves the actor.
 *
 * <p>Besides what a snapshot holds, it tracks for its entity what is not persisted: the ephemeral
 * values not yet sent (the next tick's, coalesced per key), the ones not yet checkpointed, and the
 * keys changed since the last snapshot parts were cut ({@link #cutParts}).
 */
public final class MapState implements DurableSession {

  /** One entry: its value, the value's encoded size bound, and whether it is ephemeral. */
  record Item(JsonNode value, int bytes, boolean ephemeral) {}

  private String epoch;
  private long created;
  private long lastActivity;
  private long seq;
  private final HashMap<String, Item> entries = new HashMap<>();
  private long bytes;
  private final ArrayDeque<MapChange> recent = new ArrayDeque<>();
  private long journalEvents;
  private final TreeMap<Long, Long> journalIndex = new TreeMap<>();

  /** Seqs between two entries of the journal index. */
  static final long INDEX_EVERY = 256;

  // not persisted: the entity's ephemeral bookkeeping
  private final LinkedHashMap<String, JsonNode> pendingTick = new LinkedHashMap<>();
  private final LinkedHashSet<String> uncheckpointed = new LinkedHashSet<>();
  private final LinkedHashSet<String> changedSinceCut = new LinkedHashSet<>();
  private long version = java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1;
  private List<Subscriber.EntryChunk> cut;
  private long cutSeq = -1;
  private long cutVersion;
  private long cutAtNanos;

  /**
   * An immutable copy of the state, as Pekko snapshots store it: a small head and the entries in
   * parts of about {@code snapshot-part-bytes} each, which the snapshot store for large snapshots
   * ({@link io.tandem.persistence.snapshot.PartsSnapshotStore}) writes as rows of their own (a map
   * of a million entries is far more than one Cassandra row may hold). Any other store keeps it
   * whole.
   */
  public record Snapshot(Head head, List<Part> parts)
      implements CborSerializable, io.tandem.persistence.snapshot.SnapshotInParts {}

  /**
   * What a snapshot holds besides the entries. {@code recent}: the newest durable changes, only as
   * many as fit {@code snapshot-part-bytes} (resumes from before them read the journal).
   */
  public record Head(
      String epoch,
      long created,
      long lastActivity,
      long seq,
      List<MapChange> recent,
      long journalEvents,
      Map<Long, Long> journalIndex)
      implements CborSerializable {}

  /** Some of the entries: those whose latest value is durable, and the ephemeral ones. */
  public record Part(Map<String, JsonNode> durable, Map<String, JsonNode> ephemeral)
      implements CborSerializable {}

  @Override
  public boolean exists() {
    return epoch != null;
  }

  @Override
  public String epoch() {
    return epoch;
  }

  @Override
  public long seq() {
    return seq;
  }

  @Override
  public long created() {
    return created;
  }

  @Override
  public long lastActivity() {
    return lastActivity;
  }

  public int size() {
    return entries.size();
  }

  /** The estimated encoded bytes of every key and value. */
  public long bytes() {
    return bytes;
  }

  /** The current value of {@code key}, or null. */
  public JsonNode get(String key) {
    Item i = entries.get(key);
    return i == null ? null : i.value();
  }

  /** Whether {@code key}'s latest value came from an ephemeral put. */
  public boolean isEphemeral(String key) {
    Item i = entries.get(key);
    return i != null && i.ephemeral();
  }

  @Override
  public List<MapChange> changesAfter(long since) {
    if (since >= seq) {
      return List.of();
    }
    if (recent.isEmpty() || recent.peekFirst().seq() > since + 1) {
      return null;
    }
    List<MapChange> out = new ArrayList<>();
    for (MapChange c : recent) {
      if (c.seq() > since) {
        out.add(c);
      }
    }
    return out;
  }

  @Override
  public long journalFrom(long since) {
    Map.Entry<Long, Long> e = journalIndex.floorEntry(since + 1);
    return e == null ? 0 : e.getValue();
  }

  // ---------------------------------------------------------------- checks

  /**
   * Why {@code puts} (applied in order over {@code overlay}, the entries of earlier puts of the
   * same batch) would pass a limit, or null. {@code overlay} maps a key to its new size (-1:
   * deleted); on success it is updated with this put.
   */
  String check(
      Map<String, JsonNode> put, MapSettings limits, Map<String, Integer> overlay, long[] totals) {
    long count = totals[0];
    long size = totals[1];
    Map<String, Integer> mine = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : put.entrySet()) {
      String key = e.getKey();
      Integer before =
          mine.containsKey(key)
              ? mine.get(key)
              : overlay.containsKey(key) ? overlay.get(key) : sizeNow(key);
      JsonNode v = e.getValue();
      int after;
      if (v == null || v.isNull()) {
        after = -1;
      } else {
        int valueBytes = MapSizes.value(v);
        if (valueBytes > limits.maxValueBytes()) {
          return "the value of '"
              + key
              + "' takes "
              + valueBytes
              + " bytes, over the "
              + limits.maxValueBytes()
              + " bytes a value may take";
        }
        after = key.length() + 4 + valueBytes;
      }
      if (before != null && before >= 0) {
        count--;
        size -= before;
      }
      if (after >= 0) {
        count++;
        size += after;
      }
      mine.put(key, after);
    }
    if (count > limits.maxEntries()) {
      return "the map would hold " + count + " entries, over its limit of " + limits.maxEntries();
    }
    if (size > limits.maxStateBytes()) {
      return "the map would take " + size + " bytes, over its limit of " + limits.maxStateBytes();
    }
    overlay.putAll(mine);
    totals[0] = count;
    totals[1] = size;
    return null;
  }

  /** The size an entry of {@code key} takes now, or null when absent. */
  private Integer sizeNow(String key) {
    Item i = entries.get(key);
    return i == null ? null : key.length() + 4 + i.bytes();
  }

  // ---------------------------------------------------------------- changes

  void counted() {
    journalEvents++;
  }

  void created(String epoch, long ts) {
    this.epoch = epoch;
    this.created = ts;
    this.lastActivity = ts;
  }

  /** A durable change: exact values; their pending ephemeral values are superseded. */
  void applyDurable(MapChange c, int recentMax) {
    for (Map.Entry<String, JsonNode> e : c.entries().entrySet()) {
      String key = e.getKey();
      set(key, e.getValue(), false);
      pendingTick.remove(key);
      uncheckpointed.remove(key);
      changedSinceCut.remove(key);
    }
    seq = c.seq();
    lastActivity = c.ts();
    recent.addLast(c);
    while (recent.size() > recentMax) {
      recent.removeFirst();
    }
    if ((seq - 1) % INDEX_EVERY == 0) {
      journalIndex.put(seq, journalEvents);
    }
    version++;
    cut = null;
  }

  /** Ephemeral values persisted as a checkpoint (live: already current; in recovery: restored). */
  void applyCheckpoint(Map<String, JsonNode> values) {
    for (Map.Entry<String, JsonNode> e : values.entrySet()) {
      set(e.getKey(), e.getValue(), true);
    }
  }

  /** Ephemeral values put by a publisher: live at once, sent at the tick, checkpointed later. */
  void putEphemeral(Map<String, JsonNode> values, long ts) {
    for (Map.Entry<String, JsonNode> e : values.entrySet()) {
      String key = e.getKey();
      JsonNode v = e.getValue();
      set(key, v, true);
      pendingTick.put(key, v == null || v.isNull() ? null : v);
      uncheckpointed.add(key);
      if (cut != null) {
        changedSinceCut.add(key);
      }
    }
    lastActivity = ts;
    version++;
  }

  private void set(String key, JsonNode value, boolean ephemeral) {
    Item before;
    if (value == null || value.isNull()) {
      before = entries.remove(key);
    } else {
      int size = MapSizes.value(value);
      before = entries.put(key, new Item(value, size, ephemeral));
      bytes += key.length() + 4 + size;
    }
    if (before != null) {
      bytes -= key.length() + 4 + before.bytes();
    }
  }

  // ---------------------------------------------------------------- what goes out

  /** The ephemeral values put since the last call, coalesced per key, in chunks; then forgotten. */
  List<Subscriber.EntryChunk> takeTick(int partBytes) {
    if (pendingTick.isEmpty()) {
      return List.of();
    }
    List<Subscriber.EntryChunk> chunks = MapChunks.of(pendingTick, partBytes);
    pendingTick.clear();
    return chunks;
  }

  boolean hasUncheckpointed() {
    return !uncheckpointed.isEmpty();
  }

  /**
   * The current values (null: deleted) of keys put ephemerally since the last checkpoint, at most
   * {@code maxBytes} of them; they count as checkpointed from now on.
   */
  Map<String, JsonNode> takeCheckpoint(long maxBytes) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    long size = 0;
    for (var it = uncheckpointed.iterator(); it.hasNext() && size < maxBytes; ) {
      String key = it.next();
      JsonNode v = get(key);
      out.put(key, v);
      size += MapSizes.entry(key, v);
      it.remove();
    }
    return out;
  }

  /** The current value of every key whose latest value is ephemeral, in chunks. */
  List<Subscriber.EntryChunk> ephemeralValues(int partBytes) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    entries.forEach(
        (k, i) -> {
          if (i.ephemeral()) {
            out.put(k, i.value());
          }
        });
    return MapChunks.of(out, partBytes);
  }

  /**
   * What a join gets: the parts of the state, and the ephemeral values changed since they were cut.
   */
  record Cut(long version, List<Subscriber.EntryChunk> parts, List<Subscriber.EntryChunk> since) {}

  /**
   * The state in parts that each fit one frame. Parts cut within {@code reuse} at the same seq are
   * handed out again (so a burst of joins shares them, and hubs reuse the frames they encoded),
   * with the current values of the keys put ephemerally since then.
   */
  Cut cutParts(int partBytes, java.time.Duration reuse) {
    long now = System.nanoTime();
    if (cut == null || cutSeq != seq || now - cutAtNanos > reuse.toNanos()) {
      // straight from the entries, with the size bound each one keeps (no copy, no second walk)
      cut = MapChunks.ofItems(entries, partBytes);
      cutSeq = seq;
      cutVersion = version;
      cutAtNanos = now;
      changedSinceCut.clear();
    }
    Map<String, JsonNode> since = new LinkedHashMap<>();
    for (String key : changedSinceCut) {
      since.put(key, get(key));
    }
    return new Cut(cutVersion, cut, MapChunks.of(since, partBytes));
  }

  /** Forgets parts older than {@code reuse}: they hold a copy of the state. */
  void dropOldCut(java.time.Duration reuse) {
    if (cut != null && System.nanoTime() - cutAtNanos > reuse.toNanos()) {
      cut = null;
      changedSinceCut.clear();
    }
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * An immutable copy for a Pekko snapshot (made on the actor's thread): the entries in parts of at
   * most about {@code partBytes} (estimated, {@link MapSizes}) each, the newest durable changes
   * that fit {@code partBytes} in the head.
   */
  public Snapshot toSnapshot(int partBytes) {
    List<Part> parts = new ArrayList<>();
    Map<String, JsonNode> durable = new HashMap<>();
    Map<String, JsonNode> ephemeral = new HashMap<>();
    long size = 0;
    for (Map.Entry<String, Item> e : entries.entrySet()) {
      Item i = e.getValue();
      (i.ephemeral() ? ephemeral : durable).put(e.getKey(), i.value());
      size += e.getKey().length() + 4 + i.bytes();
      if (size >= partBytes) {
        parts.add(new Part(durable, ephemeral));
        durable = new HashMap<>();
        ephemeral = new HashMap<>();
        size = 0;
      }
    }
    if (!durable.isEmpty() || !ephemeral.isEmpty()) {
      parts.add(new Part(durable, ephemeral));
    }
    ArrayDeque<MapChange> newest = new ArrayDeque<>();
    long recentBytes = 0;
    for (var it = recent.descendingIterator(); it.hasNext(); ) {
      MapChange c = it.next();
      for (Map.Entry<String, JsonNode> e : c.entries().entrySet()) {
        recentBytes += MapSizes.entry(e.getKey(), e.getValue());
      }
      if (recentBytes > partBytes) {
        break;
      }
      newest.addFirst(c);
    }
    Head head =
        new Head(
            epoch,
            created,
            lastActivity,
            seq,
            List.copyOf(newest),
            journalEvents,
            Map.copyOf(journalIndex));
    return new Snapshot(head, List.copyOf(parts));
  }

  /** The state a snapshot holds (its parts in any order: a key is in one part only). */
  public static MapState fromSnapshot(Head h, Iterable<Part> parts) {
    MapState state = new MapState();
    state.epoch = h.epoch();
    state.created = h.created();
    state.lastActivity = h.lastActivity();
    state.seq = h.seq();
    for (Part p : parts) {
      if (p.durable() != null) {
        p.durable().forEach((k, v) -> state.set(k, v, false));
      }
      if (p.ephemeral() != null) {
        p.ephemeral().forEach((k, v) -> state.set(k, v, true));
      }
    }
    if (h.recent() != null) {
      state.recent.addAll(h.recent());
    }
    state.journalEvents = h.journalEvents();
    if (h.journalIndex() != null) {
      state.journalIndex.putAll(h.journalIndex());
    }
    return state;
  }
}
