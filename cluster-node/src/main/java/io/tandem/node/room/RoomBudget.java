package io.tandem.node.room;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.MemberInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;

/**
 * Counts what members put into a room against its one state budget ({@link
 * RoomLimits#maxStateBytes}): the document (its JSON size), the shared objects (ids, asset
 * references, a fixed cost for the transform and holder) and the members (names, kind, role, and
 * presence as JSON). Sizes are remembered per value (the room's values are immutable and replaced
 * on change), so a check costs little more than the change itself.
 *
 * <p>Owned by one room actor, used only from it; not thread-safe.
 */
final class RoomBudget {

  /** What an object costs beside its id and asset: its transform, holder and bookkeeping. */
  static final int OBJECT_OVERHEAD = 200;

  /** What a member costs beside its name and presence: id, kind, role and bookkeeping. */
  static final int MEMBER_OVERHEAD = 100;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final long maxBytes;

  private ObjectNode sizedDoc;
  private long docBytes;
  private Map<String, SharedObject> sizedObjects;
  private long objectsBytes;
  private final Map<String, Sized> presence = new HashMap<>();

  private record Sized(JsonNode value, long bytes) {}

  RoomBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /** The JSON size of the document, remembered for that document. */
  long docBytes(ObjectNode doc) {
    if (doc != sizedDoc) {
      docBytes = jsonSize(doc);
      sizedDoc = doc;
    }
    return docBytes;
  }

  /** What the objects cost, remembered for that map. */
  long objectsBytes(Map<String, SharedObject> objects) {
    if (objects != sizedObjects) {
      long sum = 0;
      for (Map.Entry<String, SharedObject> e : objects.entrySet()) {
        sum += objectBytes(e.getKey(), e.getValue().view());
      }
      objectsBytes = sum;
      sizedObjects = objects;
    }
    return objectsBytes;
  }

  /** What one object costs. */
  static long objectBytes(String id, ObjectView view) {
    long asset = view == null || view.asset() == null ? 0 : view.asset().length();
    return 2L * id.length() + asset + OBJECT_OVERHEAD;
  }

  /** What the members cost; {@code replaced} (or null) stands in for its member's current entry. */
  long membersBytes(Map<String, MemberInfo> members, String memberId, MemberInfo replaced) {
    if (presence.size() > 2 * members.size() + 16) {
      presence.keySet().retainAll(members.keySet()); // members that left
    }
    long sum = 0;
    for (Map.Entry<String, MemberInfo> e : members.entrySet()) {
      if (!e.getKey().equals(memberId)) {
        sum += memberBytes(e.getKey(), e.getValue());
      }
    }
    if (replaced != null) {
      sum += memberBytes(memberId, replaced);
    }
    return sum;
  }

  /** What one member costs (its presence size remembered per presence value). */
  long memberBytes(String memberId, MemberInfo info) {
    long name = info.name() == null ? 0 : 4L * info.name().length();
    JsonNode p = info.presence();
    long presenceBytes = 0;
    if (p != null) {
      Sized s = presence.get(memberId);
      if (s == null || s.value() != p) {
        s = new Sized(p, jsonSize(p));
        presence.put(memberId, s);
      }
      presenceBytes = s.bytes();
    }
    return 2L * memberId.length() + name + presenceBytes + MEMBER_OVERHEAD;
  }

  /** Forgets what was remembered of a member that left. */
  void forget(String memberId) {
    presence.remove(memberId);
  }

  /** The JSON size of a value; a value that cannot be written counts as over any budget. */
  static long jsonSize(JsonNode node) {
    CountingStream out = new CountingStream();
    try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
      JSON.writeTree(g, node);
    } catch (IOException | RuntimeException e) {
      return Long.MAX_VALUE / 4;
    }
    return out.count;
  }

  private static final class CountingStream extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
