package io.tandem.node.room;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The idempotency keys of a room's most recent keyed changes, each with the seq it was applied as:
 * a retried change whose key is here is answered with that seq and not applied again.
 *
 * <p>Immutable, so that a snapshot being serialized never sees it change. Recording a key copies
 * only the open chunk (at most {@link #CHUNK} entries); full chunks are shared by every later log,
 * and the oldest chunk is dropped once the log holds more than its bound, so the log remembers at
 * least the last {@code max - CHUNK} keys and never more than {@code max + CHUNK}.
 */
public final class KeyLog {
  static final int CHUNK = 256;

  public static final KeyLog EMPTY = new KeyLog(List.of(), Map.of());

  /** One remembered key, as snapshots store it. */
  public record Entry(String key, long seq) {}

  private final List<Map<String, Long>> sealed;
  private final Map<String, Long> open;

  private KeyLog(List<Map<String, Long>> sealed, Map<String, Long> open) {
    this.sealed = sealed;
    this.open = open;
  }

  /** The key scoped to its principal: two users may pick the same key. */
  public static String scoped(String principal, String key) {
    return principal + '\u0000' + key;
  }

  /** The seq the change with {@code scopedKey} was applied as, or null if not remembered. */
  public Long find(String scopedKey) {
    Long seq = open.get(scopedKey);
    for (int i = sealed.size() - 1; seq == null && i >= 0; i--) {
      seq = sealed.get(i).get(scopedKey);
    }
    return seq;
  }

  /** This log with one more key, bounded to about {@code max} keys. */
  public KeyLog with(String scopedKey, long seq, int max) {
    if (max <= 0) {
      return this;
    }
    Map<String, Long> nextOpen = new HashMap<>(open);
    nextOpen.put(scopedKey, seq);
    if (nextOpen.size() < CHUNK) {
      return new KeyLog(sealed, Collections.unmodifiableMap(nextOpen));
    }
    List<Map<String, Long>> nextSealed = new ArrayList<>(sealed);
    nextSealed.add(Collections.unmodifiableMap(nextOpen));
    int keepChunks = Math.max(1, (max + CHUNK - 1) / CHUNK);
    while (nextSealed.size() > keepChunks) {
      nextSealed.remove(0);
    }
    return new KeyLog(List.copyOf(nextSealed), Map.of());
  }

  public int size() {
    int n = open.size();
    for (Map<String, Long> chunk : sealed) {
      n += chunk.size();
    }
    return n;
  }

  /** The remembered keys, oldest first (how snapshots store the log). */
  @JsonValue
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>(size());
    for (Map<String, Long> chunk : sealed) {
      chunk.forEach((k, v) -> out.add(new Entry(k, v)));
    }
    open.forEach((k, v) -> out.add(new Entry(k, v)));
    out.sort((a, b) -> Long.compare(a.seq(), b.seq()));
    return out;
  }

  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static KeyLog of(List<Entry> entries) {
    KeyLog log = EMPTY;
    for (Entry e : entries) {
      log = log.with(e.key(), e.seq(), Integer.MAX_VALUE);
    }
    return log;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyLog other && entries().equals(other.entries());
  }

  @Override
  public int hashCode() {
    return entries().hashCode();
  }
}
