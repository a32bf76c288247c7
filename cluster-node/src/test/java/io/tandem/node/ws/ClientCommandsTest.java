package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.IntNode;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.ObjectTransform;
import io.tandem.node.room.RoomEntity;
import io.tandem.protocol.DocOp;
import io.tandem.protocol.ObjectActionKind;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.PoseNode;
import io.tandem.protocol.Transform;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientCommandsTest {

  @Test
  void everyObjectActionKindMapsToTheRoomsActionOfTheSameMeaning() {
    assertEquals(ObjectActionKind.values().length, RoomEntity.ObjectAction.values().length);
    assertEquals(
        RoomEntity.ObjectAction.SPAWN, ClientCommands.objectAction(ObjectActionKind.SPAWN));
    assertEquals(RoomEntity.ObjectAction.GRAB, ClientCommands.objectAction(ObjectActionKind.GRAB));
    assertEquals(RoomEntity.ObjectAction.MOVE, ClientCommands.objectAction(ObjectActionKind.MOVE));
    assertEquals(
        RoomEntity.ObjectAction.RELEASE, ClientCommands.objectAction(ObjectActionKind.RELEASE));
    assertEquals(
        RoomEntity.ObjectAction.REMOVE, ClientCommands.objectAction(ObjectActionKind.REMOVE));
  }

  @Test
  void docOpsBecomeEditsInOrder() {
    assertEquals(
        List.of(DocEdit.set("a.b", IntNode.valueOf(1)), DocEdit.del("c")),
        ClientCommands.docEdits(
            List.of(new DocOp.Set("a.b", IntNode.valueOf(1)), new DocOp.Del("c"))));
  }

  @Test
  void aTransformKeepsItsPartsAndAbsentStaysAbsent() {
    List<Double> p = List.of(1.0, 2.0, 3.0);
    assertEquals(
        new ObjectTransform(p, null, null),
        ClientCommands.objectTransform(new Transform(p, null, null)));
    assertNull(ClientCommands.objectTransform(null));
  }

  @Test
  void aPoseKeepsItsPartsAndAbsentPartsStayAbsent() {
    List<Double> p = List.of(0.0, 1.6, 0.0);
    List<Double> q = List.of(0.0, 0.0, 0.0, 1.0);
    assertEquals(
        new MemberPose(12.5, new MemberPose.Part(p, q), null, null),
        ClientCommands.memberPose(new PoseData(12.5, new PoseNode(p, q), null, null)));
  }
}
