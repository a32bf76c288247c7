package io.tandem.node.room;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.DurableSession;
import io.tandem.persistence.CborSerializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable state of a room: an immutable value, replaced (never changed) by each event.
 *
 * <p>{@code epoch} is null until the room was created. {@code recent} holds the last durable
 * changes (at most the configured number) so that resumes are answered from memory. {@code tickHz}
 * is the tick rate the room's editors chose, 0 for the node's default. {@code parked} holds the XR
 * members that disconnected within their hold grace period, by participant ({@code
 * principal/device}).
 */
public record RoomState(
    String epoch,
    long created,
    long lastActivity,
    long seq,
    ObjectNode doc,
    Map<String, SharedObject> objects,
    List<RoomChange> recent,
    KeyLog keys,
    int tickHz,
    Map<String, ParkedMember> parked)
    implements CborSerializable, DurableSession {

  public RoomState {
    // snapshots taken before idempotency keys (or parked members) existed have none
    keys = keys == null ? KeyLog.EMPTY : keys;
    parked = parked == null ? Map.of() : parked;
  }

  public static RoomState empty() {
    return new RoomState(
        null, 0, 0, 0, DocTree.empty(), Map.of(), List.of(), KeyLog.EMPTY, 0, Map.of());
  }

  public boolean exists() {
    return epoch != null;
  }

  public RoomState created(String epoch, long ts) {
    return new RoomState(epoch, ts, ts, seq, doc, objects, recent, keys, tickHz, parked);
  }

  /** The state with the tick rate its editors chose (0: the node's default). */
  public RoomState withTickHz(int hz) {
    return new RoomState(epoch, created, lastActivity, seq, doc, objects, recent, keys, hz, parked);
  }

  /** The state with {@code participant} parked ({@code member} non-null) or no longer parked. */
  public RoomState withParked(String participant, ParkedMember member) {
    Map<String, ParkedMember> next = new LinkedHashMap<>(parked);
    if (member == null) {
      next.remove(participant);
    } else {
      next.put(participant, member);
    }
    return new RoomState(
        epoch,
        created,
        lastActivity,
        seq,
        doc,
        objects,
        recent,
        keys,
        tickHz,
        Collections.unmodifiableMap(next));
  }

  /**
   * The state after a durable change; {@code keepRecent} bounds the in-memory history. A change
   * with an idempotency key ({@code scopedKey}, or null) is remembered among about {@code
   * keepKeys}.
   */
  public RoomState changed(RoomChange change, int keepRecent, String scopedKey, int keepKeys) {
    ObjectNode newDoc = change.ops() == null ? doc : DocTree.apply(doc, change.ops());
    Map<String, SharedObject> newObjects = objects;
    if (change.objects() != null) {
      newObjects = new LinkedHashMap<>(objects);
      for (Map.Entry<String, ObjectView> e : change.objects().entrySet()) {
        if (e.getValue() == null) {
          newObjects.remove(e.getKey());
        } else {
          newObjects.put(e.getKey(), new SharedObject(e.getValue(), change.ts()));
        }
      }
      newObjects = Collections.unmodifiableMap(newObjects);
    }
    List<RoomChange> newRecent = RecentChanges.append(recent, change, keepRecent);
    return new RoomState(
        epoch,
        created,
        change.ts(),
        change.seq(),
        newDoc,
        newObjects,
        newRecent,
        scopedKey == null ? keys : keys.with(scopedKey, change.seq(), keepKeys),
        tickHz,
        parked);
  }

  /** The changes after {@code since}, if memory still holds all of them; else null. */
  public List<RoomChange> changesAfter(long since) {
    if (since >= seq) {
      return List.of();
    }
    if (recent.isEmpty() || recent.get(0).seq() > since + 1) {
      return null;
    }
    List<RoomChange> out = new ArrayList<>();
    for (RoomChange c : recent) {
      if (c.seq() > since) {
        out.add(c);
      }
    }
    return out;
  }

  @Override
  public long journalFrom(long since) {
    return journalFromAfter(since);
  }

  /**
   * A room's journal event holds at most one change and other events only add to the count, so the
   * change after {@code since} is at sequence number {@code since + 1} or later.
   */
  public static long journalFromAfter(long since) {
    return since + 1;
  }

  /** Doc and objects as a late joiner sees them. */
  public RoomView view() {
    Map<String, ObjectView> views = new LinkedHashMap<>();
    objects.forEach((id, o) -> views.put(id, o.view()));
    return new RoomView(doc, Collections.unmodifiableMap(views));
  }
}
