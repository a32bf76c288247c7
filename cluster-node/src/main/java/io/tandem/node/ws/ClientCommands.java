package io.tandem.node.ws;

import io.tandem.node.room.DocEdit;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.RoomEntity;
import io.tandem.protocol.DocOp;
import io.tandem.protocol.ObjectActionKind;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.PoseNode;
import io.tandem.protocol.Transform;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates what clients send into what entities understand: the one place where wire values
 * become domain values (the other way is {@link io.tandem.node.fanout.Frames}). Pure; enums are
 * mapped by exhaustive {@code switch}, so renaming a constant on either side fails to compile
 * instead of failing at run time.
 */
public final class ClientCommands {
  private ClientCommands() {}

  /** A frame's doc ops as a room's edits, in order. */
  public static List<DocEdit> docEdits(List<DocOp> ops) {
    List<DocEdit> edits = new ArrayList<>(ops.size());
    for (DocOp o : ops) {
      // DocOp is sealed to Set and Del
      edits.add(
          o instanceof DocOp.Set s ? DocEdit.set(s.path(), s.value()) : DocEdit.del(o.path()));
    }
    return List.copyOf(edits);
  }

  /** An object's placement from the wire, or null. */
  public static ObjectTransform objectTransform(Transform t) {
    return t == null ? null : new ObjectTransform(t.p(), t.q(), t.s());
  }

  /** What an {@code object} frame asks a room to do. */
  public static RoomEntity.ObjectAction objectAction(ObjectActionKind kind) {
    return switch (kind) {
      case SPAWN -> RoomEntity.ObjectAction.SPAWN;
      case GRAB -> RoomEntity.ObjectAction.GRAB;
      case MOVE -> RoomEntity.ObjectAction.MOVE;
      case RELEASE -> RoomEntity.ObjectAction.RELEASE;
      case REMOVE -> RoomEntity.ObjectAction.REMOVE;
    };
  }

  /** A pose from the wire as rooms keep it. */
  public static MemberPose memberPose(PoseData d) {
    return new MemberPose(d.t(), part(d.head()), part(d.left()), part(d.right()));
  }

  private static MemberPose.Part part(PoseNode n) {
    return n == null ? null : new MemberPose.Part(n.p(), n.q());
  }
}
