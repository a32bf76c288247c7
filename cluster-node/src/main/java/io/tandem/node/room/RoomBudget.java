package io.tandem.node.room;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.MemberInfo;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
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

  /** Sizes of documents by identity (they are immutable once made); a few at most. */
  private final Map<ObjectNode, DocSize> docs = new IdentityHashMap<>();

  private Map<String, SharedObject> sizedObjects;
  private long objectsBytes;
  private final Map<String, Sized> presence = new HashMap<>();

  /** The members' cost ({@link #membersBytes}) at the change count {@code countedAt}. */
  private long counted;

  private long countedAt = -1;

  /** The last sum {@link #membersBytes} answered, and the member whose entry it replaced. */
  private long proposed;

  private String proposedMember;

  private record Sized(JsonNode value, long bytes) {}

  /** A document's JSON size, or an upper bound on it when not {@code exact}. */
  private record DocSize(long bytes, boolean exact) {}

  private static final int REMEMBERED_DOCS = 8;

  RoomBudget(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  long maxBytes() {
    return maxBytes;
  }

  /**
   * The JSON size of a document of this room, or an upper bound on it carried over from the
   * document an edit made it from ({@link #docBytesAfter}, {@link #carry}); written out when
   * neither is remembered.
   */
  long docBytes(ObjectNode doc) {
    DocSize known = docs.get(doc);
    return known != null ? known.bytes() : exactDocBytes(doc);
  }

  /** The JSON size of the document, written out unless it is remembered exactly. */
  long exactDocBytes(ObjectNode doc) {
    DocSize known = docs.get(doc);
    if (known != null && known.exact()) {
      return known.bytes();
    }
    long bytes = jsonSize(doc);
    remember(doc, new DocSize(bytes, true));
    return bytes;
  }

  /**
   * The size of {@code after}, the document {@code edits} make of {@code before}: an upper bound
   * from the size before and what the edits add while that bound is within {@code limit}, else the
   * exact size. Writing a large document out on every edit was a few percent of a busy node's CPU;
   * the bound grows with every edit (a replaced value is not subtracted) until it crosses the
   * limit, and then one exact count resets it.
   */
  long docBytesAfter(ObjectNode before, List<DocEdit> edits, ObjectNode after, long limit) {
    long bound = docBytes(before) + addedAtMost(edits);
    if (bound <= limit) {
      remember(after, new DocSize(bound, false));
      return bound;
    }
    return exactDocBytes(after);
  }

  /**
   * The document {@code edits} made of {@code before} (an event applied) is at most what they add
   * to it: remembered when {@code before}'s size is.
   */
  void carry(ObjectNode before, List<DocEdit> edits, ObjectNode after) {
    DocSize known = docs.get(before);
    if (known != null && before != after) {
      remember(after, new DocSize(known.bytes() + addedAtMost(edits), false));
    }
  }

  private void remember(ObjectNode doc, DocSize size) {
    if (docs.size() >= REMEMBERED_DOCS) {
      // the room's current document, the one its batch decides on and the one an edit makes are
      // all it asks about; older ones are gone
      docs.clear();
    }
    docs.put(doc, size);
  }

  private static long addedAtMost(List<DocEdit> edits) {
    long sum = 0;
    for (DocEdit edit : edits) {
      sum += addedAtMost(edit);
    }
    return sum;
  }

  /**
   * The most an edit can add to the document's JSON: a delete only removes, and a set adds at most
   * its value and, for every segment of its path, the key (at most 6 bytes a character, escaped),
   * its quotes, colon, comma and the braces of an object it creates; a value it replaces only
   * shrinks the rest.
   */
  static long addedAtMost(DocEdit edit) {
    if (edit.kind() == DocEdit.Kind.DEL) {
      return 0;
    }
    return jsonSize(edit.value()) + 6L * edit.path().length() + 6L * segments(edit.path());
  }

  private static int segments(String path) {
    int n = 1;
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '.') {
        n++;
      }
    }
    return n;
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

  /**
   * What the members cost; {@code replaced} (or null) stands in for {@code memberId}'s current
   * entry (null: none). {@code changes} is the members' change count ({@link
   * io.tandem.node.session.SessionMembers#changes}): the sum over every member is kept for it, so
   * that a check between two changes costs one member's entry, not the whole room's.
   */
  long membersBytes(
      Map<String, MemberInfo> members, long changes, String memberId, MemberInfo replaced) {
    if (changes != countedAt) {
      if (presence.size() > 2 * members.size() + 16) {
        presence.keySet().retainAll(members.keySet()); // members that left
      }
      long sum = 0;
      for (Map.Entry<String, MemberInfo> e : members.entrySet()) {
        sum += memberBytes(e.getKey(), e.getValue());
      }
      counted = sum;
      countedAt = changes;
    }
    proposedMember = memberId;
    if (memberId == null) {
      proposed = counted;
      return proposed;
    }
    MemberInfo current = members.get(memberId);
    proposed =
        counted
            - (current == null ? 0 : memberBytes(memberId, current))
            + (replaced == null ? 0 : memberBytes(memberId, replaced));
    return proposed;
  }

  /**
   * The entry that the last {@link #membersBytes} call proposed for {@code memberId} was taken, and
   * that was the members' only change ({@code before} to {@code after}): its sum is the members'
   * cost from now on, without counting them again.
   */
  void took(String memberId, long before, long after) {
    if (countedAt == before && after == before + 1 && memberId.equals(proposedMember)) {
      counted = proposed;
      countedAt = after;
    }
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
