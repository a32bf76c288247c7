package io.tandem.node.room;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The last durable changes of a room as an immutable list that shares its array with the list it
 * was appended to: appending to the newest list writes one slot past its end, so a room that takes
 * thousands of changes a second does not copy its whole window for each one (it did: 4-5 % of a
 * node's CPU under the side-by-side durable load). The array is copied only when it is full, once
 * every {@code keep} appends.
 *
 * <p>Safe to read from any thread once published (a snapshot is serialized elsewhere while the
 * entity goes on): slots below a list's end are written once, before that list exists, and never
 * again; appends only write past the end of every list that already exists.
 */
final class RecentChanges extends AbstractList<RoomChange> implements RandomAccess {
  /** The shared array and how many of its slots are written; only the entity's thread appends. */
  private static final class Buffer {
    final RoomChange[] items;
    int used;

    Buffer(int capacity) {
      items = new RoomChange[capacity];
    }
  }

  private final Buffer buffer;
  private final int from;
  private final int to;

  private RecentChanges(Buffer buffer, int from, int to) {
    this.buffer = buffer;
    this.from = from;
    this.to = to;
  }

  /**
   * {@code recent} with {@code change} added at its end, keeping at most the last {@code keep}
   * changes (none when {@code keep} is 0 or less). {@code recent} is left as it was.
   */
  static List<RoomChange> append(List<RoomChange> recent, RoomChange change, int keep) {
    if (keep <= 0) {
      return List.of();
    }
    if (recent instanceof RecentChanges r
        && r.to == r.buffer.used
        && r.to < r.buffer.items.length) {
      r.buffer.items[r.to] = change;
      r.buffer.used++;
      return new RecentChanges(r.buffer, Math.max(r.from, r.to + 1 - keep), r.to + 1);
    }
    int carried = Math.min(recent.size(), keep - 1);
    Buffer fresh = new Buffer(Math.max(2 * keep, 8));
    for (int i = 0; i < carried; i++) {
      fresh.items[i] = recent.get(recent.size() - carried + i);
    }
    fresh.items[carried] = change;
    fresh.used = carried + 1;
    return new RecentChanges(fresh, 0, carried + 1);
  }

  @Override
  public RoomChange get(int index) {
    if (index < 0 || index >= to - from) {
      throw new IndexOutOfBoundsException(index);
    }
    return buffer.items[from + index];
  }

  @Override
  public int size() {
    return to - from;
  }
}
