package io.tandem.node.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.recording.RecordedBatch;
import io.tandem.node.recording.RecordingEnded;
import io.tandem.node.recording.RecordingView;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.ObjectView;
import io.tandem.node.room.RoomChange;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomView;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionState;
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.SessionView;
import io.tandem.protocol.Blob;
import io.tandem.protocol.Delta;
import io.tandem.protocol.DocOp;
import io.tandem.protocol.Ended;
import io.tandem.protocol.Events;
import io.tandem.protocol.MemberEntry;
import io.tandem.protocol.ObjectState;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.PoseNode;
import io.tandem.protocol.Poses;
import io.tandem.protocol.RoomSettings;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.Snapshot;
import io.tandem.protocol.Transform;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates what entities publish into the frames clients see (protocol section 4): the one place
 * where domain values become wire frames. The other way, frames to commands, is {@link
 * io.tandem.node.ws.ClientCommands}.
 */
public final class Frames {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Frames() {}

  /** The frame a live member sees for a durable change. */
  public static ServerFrame update(SessionId session, SessionUpdate update) {
    if (update instanceof RoomChange c) {
      return new Delta(
          session,
          c.seq(),
          c.by(),
          c.ts(),
          c.ops() == null ? null : docOps(c.ops()),
          c.objects() == null ? null : objectStates(c.objects()));
    }
    if (update instanceof RecordedBatch b) {
      return new Events(
          session,
          b.fromSeq(),
          b.events(),
          b.checkpoint(),
          b.isStatic(),
          b.bytes() == null ? null : Blob.of(b.bytes()));
    }
    if (update instanceof RecordingEnded e) {
      return new Ended(session, e.seq());
    }
    if (update instanceof io.tandem.node.map.MapChange c) {
      return new io.tandem.protocol.Changes(session, c.seq(), c.by(), c.ts(), c.entries());
    }
    throw new IllegalArgumentException("unknown update " + update);
  }

  /** A full snapshot, the answer to a join or a refresh. */
  public static Snapshot snapshot(
      Long ref, SessionId session, SessionView view, RoomSettings settings) {
    return new Snapshot(
        ref,
        session,
        view.seq(),
        view.epoch(),
        state(view.state()),
        members(view.members()),
        false,
        settings,
        view.state() instanceof io.tandem.node.map.MapView map ? map.parts() : null);
  }

  /** The answer to a join that resumes at {@code since}: no state, the missed changes follow. */
  public static Snapshot resumed(
      Long ref,
      SessionId session,
      long since,
      String epoch,
      Map<String, MemberInfo> members,
      RoomSettings settings) {
    return new Snapshot(ref, session, since, epoch, null, members(members), true, settings);
  }

  public static Map<String, MemberEntry> members(Map<String, MemberInfo> members) {
    Map<String, MemberEntry> out = new LinkedHashMap<>();
    members.forEach((id, m) -> out.put(id, m == null ? null : member(m)));
    return Collections.unmodifiableMap(out);
  }

  public static MemberEntry member(MemberInfo m) {
    return new MemberEntry(
        m.name(), m.kind(), m.role(), m.presence() == null ? NODES.objectNode() : m.presence());
  }

  static JsonNode state(SessionState state) {
    if (state instanceof RoomView room) {
      ObjectNode out = NODES.objectNode();
      out.set("doc", room.doc());
      ObjectNode objects = out.putObject("objects");
      room.objects().forEach((id, o) -> objects.set(id, objectJson(o)));
      return out;
    }
    if (state instanceof RecordingView rec) {
      ObjectNode out = NODES.objectNode();
      ArrayNode statics = out.putArray("static");
      rec.statics().forEach(b -> statics.add(batchJson(b)));
      ArrayNode events = out.putArray("events");
      rec.events().forEach(b -> events.add(batchJson(b)));
      if (rec.ended()) {
        out.put("ended", true);
      }
      return out;
    }
    if (state instanceof io.tandem.node.map.MapView map) {
      ObjectNode out = NODES.objectNode();
      ObjectNode entries = out.putObject("entries");
      map.entries().forEach((k, v) -> entries.set(k, v));
      return out;
    }
    throw new IllegalArgumentException("unknown state " + state);
  }

  /** A batch shaped like an {@code events} payload (protocol 4.3). */
  private static ObjectNode batchJson(RecordedBatch b) {
    ObjectNode n = NODES.objectNode();
    n.put("fromSeq", b.fromSeq());
    ArrayNode events = n.putArray("events");
    b.events().forEach(events::add);
    n.put("checkpoint", b.checkpoint());
    n.put("static", b.isStatic());
    if (b.bytes() != null) {
      n.put("bytes", b.bytes());
    }
    return n;
  }

  private static List<DocOp> docOps(List<DocEdit> edits) {
    List<DocOp> ops = new ArrayList<>(edits.size());
    for (DocEdit e : edits) {
      ops.add(
          e.kind() == DocEdit.Kind.SET
              ? new DocOp.Set(e.path(), e.value())
              : new DocOp.Del(e.path()));
    }
    return ops;
  }

  /** A member's pose as the wire carries it. */
  public static PoseData pose(MemberPose p) {
    return new PoseData(p.t(), poseNode(p.head()), poseNode(p.left()), poseNode(p.right()));
  }

  private static PoseNode poseNode(MemberPose.Part part) {
    return part == null ? null : new PoseNode(part.p(), part.q());
  }

  /** A recorded tick as live members saw it (without interest management: everyone's poses). */
  public static Poses poses(SessionId session, RoomEntity.PosesRecorded r) {
    Map<String, PoseData> out = new LinkedHashMap<>();
    r.poses().forEach((id, p) -> out.put(id, pose(p)));
    return new Poses(
        session, r.tick(), out, r.objects() == null ? null : objectStates(r.objects()));
  }

  public static Map<String, ObjectState> objectStates(Map<String, ObjectView> objects) {
    Map<String, ObjectState> out = new LinkedHashMap<>();
    objects.forEach((id, o) -> out.put(id, o == null ? null : objectState(o)));
    return out;
  }

  private static ObjectState objectState(ObjectView o) {
    ObjectTransform t = o.transform();
    return new ObjectState(
        o.asset(), t == null ? null : new Transform(t.p(), t.q(), t.s()), o.heldBy());
  }

  private static ObjectNode objectJson(ObjectView o) {
    ObjectNode n = NODES.objectNode();
    if (o.asset() != null) {
      n.put("asset", o.asset());
    }
    ObjectTransform t = o.transform();
    if (t != null) {
      ObjectNode tn = n.putObject("transform");
      putVector(tn, "p", t.p());
      putVector(tn, "q", t.q());
      putVector(tn, "s", t.s());
    }
    if (o.heldBy() != null) {
      n.put("heldBy", o.heldBy());
    }
    return n;
  }

  private static void putVector(ObjectNode n, String key, List<Double> v) {
    if (v != null) {
      ArrayNode a = n.putArray(key);
      v.forEach(a::add);
    }
  }
}
