package io.tandem.node.xr;

import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectView;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a room's shared objects are, as one session hub follows them, to rank them by each XR
 * receiver's gaze ({@link Gaze#rank}). Positions come from the room's views (snapshots), its
 * durable changes in seq order and the live moves of held objects at its ticks. After a gap in the
 * changes the positions are unknown until a fresh view arrives; the hub asks the room for one
 * ({@link #askForView}) when a receiver needs a ranking.
 *
 * <p>Not thread-safe: its hub calls it from its own thread. Pure: no time, no messages.
 */
public final class FocusRanker {

  /** What a durable change did to the positions. */
  public enum Followed {
    /** Nothing the ranking depends on (an older change, a document edit, positions unknown). */
    UNCHANGED,
    /** An object was spawned, moved or removed: every receiver's ranking changes. */
    MOVED,
    /** A change came after a gap: the positions are unknown until a fresh view. */
    LOST
  }

  /** Where each shared object is ({@code [x,y,z]}, or null: no position, the origin). */
  private final Map<String, double[]> positions = new HashMap<>();

  /** The seq the positions are current at; -1 while unknown. */
  private long seq = -1;

  private boolean viewAsked;

  /** Whether the positions are known (a view arrived and no change was missed since). */
  public boolean known() {
    return seq >= 0;
  }

  /**
   * A view of the room's {@code objects} at {@code viewSeq}: it replaces the positions unless it is
   * older than what they are current at.
   */
  public void view(long viewSeq, Map<String, ObjectView> objects) {
    if (viewSeq >= seq) {
      positions.clear();
      objects.forEach((id, o) -> positions.put(id, positionOf(o)));
      seq = viewSeq;
      viewAsked = false;
    }
  }

  /**
   * Follows a durable change {@code (firstSeq..changeSeq)} of the room, with the objects it changed
   * (a null value: removed; null or empty for a document edit).
   */
  public Followed follow(long firstSeq, long changeSeq, Map<String, ObjectView> objects) {
    if (seq < 0 || changeSeq <= seq) {
      return Followed.UNCHANGED;
    }
    if (firstSeq > seq + 1) {
      positions.clear();
      seq = -1;
      return Followed.LOST;
    }
    seq = changeSeq;
    if (objects == null || objects.isEmpty()) {
      return Followed.UNCHANGED;
    }
    objects.forEach(
        (id, o) -> {
          if (o == null) {
            positions.remove(id);
          } else {
            positions.put(id, positionOf(o));
          }
        });
    return Followed.MOVED;
  }

  /**
   * The live transforms of held objects at a room tick (null: none); true when a known object
   * moved.
   */
  public boolean moveLive(Map<String, ObjectView> objects) {
    boolean moved = false;
    if (seq >= 0 && objects != null) {
      for (Map.Entry<String, ObjectView> e : objects.entrySet()) {
        if (e.getValue() != null && positions.containsKey(e.getKey())) {
          positions.put(e.getKey(), positionOf(e.getValue()));
          moved = true;
        }
      }
    }
    return moved;
  }

  /**
   * Whether to ask the room for a view now: the positions are unknown and no view was asked for
   * since; counts this one as asked.
   */
  public boolean askForView() {
    if (seq >= 0 || viewAsked) {
      return false;
    }
    viewAsked = true;
    return true;
  }

  /**
   * The view asked for was answered (taken or not) or lost with the room: it may be asked again.
   */
  public void viewAnswered() {
    viewAsked = false;
  }

  /**
   * The objects in {@code viewer}'s gaze order (null: no pose yet, id order); call only when the
   * positions are {@link #known}.
   */
  public List<Gaze.Ranked> rank(MemberPose viewer) {
    return Gaze.rank(viewer, positions);
  }

  private static double[] positionOf(ObjectView o) {
    if (o.transform() == null || o.transform().p() == null || o.transform().p().size() < 3) {
      return null;
    }
    var p = o.transform().p();
    return new double[] {p.get(0), p.get(1), p.get(2)};
  }
}
