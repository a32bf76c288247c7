package io.tandem.node.room;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import scala.Option;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.immutable.Queue;
import scala.collection.immutable.Queue$;

/**
 * The idempotency keys of a room's most recent keyed changes, each with the seq it was applied as:
 * a retried change whose key is here is answered with that seq and not applied again.
 *
 * <p>Immutable, so that a snapshot being serialized never sees it change, and persistent: a key is
 * added to a hash trie and a queue (Scala's immutable {@code HashMap} and {@code Queue}, on the
 * classpath through Pekko) that share all but a few nodes with the log before, so recording a key
 * costs a few small allocations however many keys are remembered (a copy of up to 256 entries per
 * keyed change before). The log remembers exactly the last {@code max} keys.
 */
public final class KeyLog {
  public static final KeyLog EMPTY =
      new KeyLog(scala.collection.immutable.HashMap$.MODULE$.empty(), Queue$.MODULE$.empty());

  /** One remembered key, as snapshots store it. */
  public record Entry(String key, long seq) {}

  private final scala.collection.immutable.HashMap<String, Object> seqs;
  private final Queue<Entry> order;

  private KeyLog(scala.collection.immutable.HashMap<String, Object> seqs, Queue<Entry> order) {
    this.seqs = seqs;
    this.order = order;
  }

  /** The key scoped to its principal: two users may pick the same key. */
  public static String scoped(String principal, String key) {
    return principal + '\u0000' + key;
  }

  /** The seq the change with {@code scopedKey} was applied as, or null if not remembered. */
  public Long find(String scopedKey) {
    long seq = seqOf(seqs, scopedKey);
    return seq < 0 ? null : seq;
  }

  /** The seq {@code key} maps to in {@code seqs}, or -1 (seqs start at 1). */
  private static long seqOf(scala.collection.immutable.HashMap<String, Object> seqs, String key) {
    Option<Object> seq = seqs.get(key);
    return seq.isEmpty() ? -1 : (Long) seq.get();
  }

  /** This log with one more key, keeping the last {@code max} keys. */
  public KeyLog with(String scopedKey, long seq, int max) {
    if (max <= 0) {
      return this;
    }
    scala.collection.immutable.HashMap<String, Object> nextSeqs = seqs.updated(scopedKey, seq);
    Queue<Entry> nextOrder = order.enqueue(new Entry(scopedKey, seq));
    while (nextOrder.size() > max) {
      Tuple2<Entry, Queue<Entry>> oldest = nextOrder.dequeue();
      Entry gone = oldest._1();
      nextOrder = oldest._2();
      // a key used again after it left is in the queue twice: only its last entry maps it
      if (seqOf(nextSeqs, gone.key()) == gone.seq()) {
        nextSeqs = nextSeqs.removed(gone.key());
      }
    }
    return new KeyLog(nextSeqs, nextOrder);
  }

  public int size() {
    return seqs.size();
  }

  /** The remembered keys, oldest first (how snapshots store the log). */
  @JsonValue
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>(order.size());
    Iterator<Entry> it = order.iterator();
    while (it.hasNext()) {
      Entry e = it.next();
      if (seqOf(seqs, e.key()) == e.seq()) {
        out.add(e);
      }
    }
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
