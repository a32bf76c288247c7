package io.tandem.node.xr;

import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectView;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A room's live motion: the latest pose of every member that sent one, the held objects XR clients
 * move ahead of their last durable change, and the ticks recorded for replay that wait for their
 * journal write. Ephemeral: none of it is in the room's state or its snapshots (a tick's record
 * goes to the journal as an event, and a hold's end persists the final transform).
 *
 * <p>Owned by the room entity ({@code RoomEntity}) the way it owns its {@code SessionLifecycle}:
 * made with the entity, called from its command handlers, confined to its thread, never sent out.
 * Pure: time is passed in. {@code T} is what a recorded tick becomes (the room's {@code
 * PosesRecorded} event), made by the {@link TickRecorder} given at construction, so a tick
 * allocates nothing beyond its record and its two maps.
 *
 * @param <T> the record of one tick
 */
public final class RoomMotion<T> {

  /** Makes the record of one tick (the room's event constructor). */
  @FunctionalInterface
  public interface TickRecorder<T> {
    /**
     * @param afterSeq the room's seq when the tick was recorded
     * @param tick the tick's number, from 1 in this incarnation of the room
     * @param ts when (epoch millis)
     * @param poses the poses that changed during the tick, in the order they arrived
     * @param objects the live transforms of held objects that moved during the tick
     */
    T record(
        long afterSeq,
        long tick,
        long ts,
        Map<String, MemberPose> poses,
        Map<String, ObjectView> objects);
  }

  private final TickRecorder<T> recorder;

  /** The latest pose of every member that sent one. */
  private final Map<String, MemberPose> poses = new HashMap<>();

  /** Poses that changed since the last tick, in arrival order. */
  private final Map<String, MemberPose> changedPoses = new LinkedHashMap<>();

  /** Held objects moved by XR clients since their last durable change: their live view. */
  private final Map<String, ObjectView> liveObjects = new HashMap<>();

  /** Live objects that moved since the last tick. */
  private final Map<String, ObjectView> movedObjects = new LinkedHashMap<>();

  /** When each live object last moved (renews its hold). */
  private final Map<String, Long> movedAt = new HashMap<>();

  /** Recorded ticks waiting for their journal write. */
  private final List<T> unwritten = new ArrayList<>();

  private long tick;

  public RoomMotion(TickRecorder<T> recorder) {
    this.recorder = recorder;
  }

  /** A member's latest pose: kept, and sent with the next tick. */
  public void pose(String memberId, MemberPose pose) {
    poses.put(memberId, pose);
    changedPoses.put(memberId, pose);
  }

  /**
   * The member left: its pose is forgotten, also the one not sent yet. Returns its last, or null.
   */
  public MemberPose removeMember(String memberId) {
    changedPoses.remove(memberId);
    return poses.remove(memberId);
  }

  /** An accepted live move of a held object at {@code now}: sent with the next tick. */
  public void move(String objectId, ObjectView view, long now) {
    liveObjects.put(objectId, view);
    movedObjects.put(objectId, view);
    movedAt.put(objectId, now);
  }

  /** The object had a durable change: its live view is no longer ahead of it. */
  public void forget(String objectId) {
    liveObjects.remove(objectId);
    movedObjects.remove(objectId);
    movedAt.remove(objectId);
  }

  /** The object's live view while an XR client moves it, or null. */
  public ObjectView live(String objectId) {
    return liveObjects.get(objectId);
  }

  /** When the object last moved live (epoch millis), or 0. */
  public long movedAt(String objectId) {
    return movedAt.getOrDefault(objectId, 0L);
  }

  /** Whether a live view is ahead of any durable one. */
  public boolean anyLive() {
    return !liveObjects.isEmpty();
  }

  /** Replaces each object of {@code objects} that moves live by its live view. */
  public void overlayLive(Map<String, ObjectView> objects) {
    liveObjects.forEach((id, v) -> objects.computeIfPresent(id, (k, old) -> v));
  }

  /** Whether anything moved since the last tick (a pose or a live object). */
  public boolean moving() {
    return !changedPoses.isEmpty() || !movedObjects.isEmpty();
  }

  /**
   * Ends a tick at {@code now}: what moved since the last one becomes its record (also kept for the
   * journal, {@link #drainUnwritten}), or null when nothing moved (no tick is counted).
   */
  public T tick(long afterSeq, long now) {
    if (!moving()) {
      return null;
    }
    tick++;
    Map<String, MemberPose> tickPoses =
        Collections.unmodifiableMap(new LinkedHashMap<>(changedPoses));
    Map<String, ObjectView> tickObjects =
        Collections.unmodifiableMap(new LinkedHashMap<>(movedObjects));
    changedPoses.clear();
    movedObjects.clear();
    T recorded = recorder.record(afterSeq, tick, now, tickPoses, tickObjects);
    unwritten.add(recorded);
    return recorded;
  }

  /** How many recorded ticks wait for their write. */
  public int unwrittenTicks() {
    return unwritten.size();
  }

  /** Moves the recorded ticks that wait for their write into {@code into}, in order. */
  public void drainUnwritten(Collection<? super T> into) {
    into.addAll(unwritten);
    unwritten.clear();
  }

  /** Forgets all motion, written or not (the room was deleted); tick numbers go on. */
  public void clear() {
    unwritten.clear();
    poses.clear();
    changedPoses.clear();
    liveObjects.clear();
    movedObjects.clear();
    movedAt.clear();
  }
}
