package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One or more sample frames of every type, covering optional parts present and absent. */
final class Samples {

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  static final SessionId ROOM = SessionId.room("design-1");
  static final SessionId REC = SessionId.recording("talk_2024.v2");
  static final SessionId MAP = SessionId.map("graph.1");

  /** Entries of a map frame: a position, attributes, and (when {@code withNull}) a deletion. */
  static Map<String, JsonNode> entries(boolean withNull) {
    Map<String, JsonNode> e = new LinkedHashMap<>();
    e.put("node/1:pos", json("[0.5,-1.25]"));
    e.put("node/1", json("{\"label\":\"a\",\"deg\":3}"));
    if (withNull) {
      e.put("edge/7", null);
    }
    return e;
  }

  private Samples() {}

  static JsonNode json(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  static final Transform FULL_TRANSFORM =
      new Transform(List.of(1.0, 2.5, -3.0), List.of(0.0, 0.0, 0.0, 1.0), List.of(1.0, 1.0, 1.0));

  static final PoseData POSE =
      new PoseData(
          1234.5,
          new PoseNode(List.of(0.0, 1.6, 0.0), List.of(0.0, 0.0, 0.0, 1.0)),
          new PoseNode(List.of(-0.2, 1.2, 0.3), null),
          null);

  static List<ClientFrame> clientFrames() {
    return List.of(
        new Put(21L, MAP, entries(true), true),
        new Put(null, MAP, entries(false), false),
        new Control(
            22L,
            MAP,
            (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"method\":\"pca\",\"k\":3}")),
        new Control(null, MAP, null),
        new Hello(1L, "tok.en.jwt", new ClientInfo("Ada", ClientKind.XR)),
        new Hello(null, "t", null),
        new Hello(2L, "t", new ClientInfo("Quest", ClientKind.XR, "quest-3.a1")),
        new Join(2L, ROOM, Role.EDITOR, 41L, "e-1", json("{\"cursor\":[1,2],\"name\":\"Ada\"}")),
        new Join(null, REC, null, null, null, null),
        new Leave(3L, ROOM),
        new Op(
            4L,
            ROOM,
            List.of(
                new DocOp.Set("view.timeCursor", NODES.numberNode(12.5)),
                new DocOp.Set("a", json("{\"x\":[1,\"two\",null,{\"y\":false}]}")),
                new DocOp.Set("nothing", NODES.nullNode()),
                new DocOp.Del("layout.panels.3"))),
        new Op(null, ROOM, List.of(new DocOp.Del("a")), "k-" + "x".repeat(126)),
        new ObjectAction(5L, ROOM, ObjectActionKind.SPAWN, "cube-1", "cube.glb", FULL_TRANSFORM),
        new ObjectAction(
            null,
            ROOM,
            ObjectActionKind.MOVE,
            "cube-1",
            null,
            new Transform(List.of(0.0, 0.0, 1.0), null, null)),
        new ObjectAction(6L, ROOM, ObjectActionKind.RELEASE, "x".repeat(128), null, null),
        new ObjectAction(
            null, ROOM, ObjectActionKind.GRAB, "cube-1", null, null, "3f2c-retry-safe"),
        new Presence(null, ROOM, json("{\"cursor\":{\"x\":1.5,\"y\":2},\"colour\":\"#f00\"}")),
        new Presence(7L, ROOM, null),
        new Pose(null, ROOM, POSE),
        new Pose(8L, ROOM, new PoseData(null, null, null, null)),
        new Publish(
            9L,
            REC,
            List.of(json("{\"type\":2,\"data\":{}}"), NODES.numberNode(3), NODES.nullNode()),
            true,
            false,
            null),
        new Publish(10L, REC, List.of(), false, true, Blob.of(new byte[] {0, 1, 2, (byte) 255})),
        new Publish(null, REC, List.of(NODES.textNode("e")), true, true, Blob.of(new byte[] {42})),
        new End(11L, REC),
        new Replay(12L, REC, 1, null, 1.0),
        new Replay(13L, ROOM, 17, 99L, 0.0),
        new Replay(null, ROOM, Long.MAX_VALUE, Long.MAX_VALUE, 2.5),
        new ReplayPause(14L, REC),
        new ReplayResume(15L, REC),
        new ReplaySeek(16L, REC, 9_007_199_254_740_993L),
        new ReplaySpeed(17L, REC, 0.25),
        new ChangeSettings(22L, ROOM, new RoomSettings(90)),
        new ChangeSettings(null, ROOM, new RoomSettings(1)),
        new Ping(18L, NODES.numberNode(1.5)),
        new Ping(null, NODES.numberNode(2)),
        new Ping(19L, NODES.numberNode(new BigInteger("123456789012345678901234567890"))),
        new Ping(20L, null),
        new Pong(21L, NODES.numberNode(1.5), 1_700_000_000_000L),
        new Pong(null, NODES.numberNode(1_700_000_000_123L), null));
  }

  static List<ServerFrame> serverFrames() {
    Map<String, MemberEntry> members = new LinkedHashMap<>();
    members.put("ada/c1", new MemberEntry("Ada", "xr", "editor", json("{\"cursor\":[1,2]}")));
    members.put("bob/c2", new MemberEntry(null, null, null, null));

    Map<String, MemberEntry> changed = new LinkedHashMap<>();
    changed.put("ada/c1", new MemberEntry("Ada", "browser", "viewer", json("{\"sel\":\"x\"}")));
    changed.put("bob/c2", null);

    Map<String, ObjectState> objects = new LinkedHashMap<>();
    objects.put("cube-1", new ObjectState("cube.glb", FULL_TRANSFORM, "ada/c1"));
    objects.put("ball", null);
    objects.put("cone", new ObjectState(null, null, null));

    Map<String, PoseData> poses = new LinkedHashMap<>();
    poses.put("ada/c1", POSE);
    poses.put("bob/c2", new PoseData(5.0, null, null, null));

    Delta delta =
        new Delta(
            ROOM,
            9_007_199_254_740_993L,
            "ada/c1",
            1_700_000_000_000L,
            List.of(new DocOp.Set("a.b", NODES.numberNode(1)), new DocOp.Del("c")),
            null);
    Events events =
        new Events(
            REC, 5, List.of(json("{\"k\":\"v\"}")), false, false, Blob.of(new byte[] {9, 8, 7}));

    return List.of(
        new Changes(MAP, 4L, "pub/c1", 1_700_000_000_000L, entries(true)),
        Changes.ephemeral(MAP, entries(false)),
        new SnapshotPart(MAP, 4, 2, entries(false)),
        new ControlRelayed(
            MAP, "ada/c2", (com.fasterxml.jackson.databind.node.ObjectNode) json("{\"k\":2}")),
        new Snapshot(9L, MAP, 4, "e-1", json("{\"entries\":{}}"), null, false, null, 3),
        new Welcome(
            1L,
            "c-77",
            "10.0.0.1:25520",
            "ada",
            1_700_000_000_000L,
            15_000,
            new WelcomeLimits(65_536, 50)),
        new Welcome(null, "c", "n", "p", 0, 0, new WelcomeLimits(1, 0)),
        new Snapshot(
            2L,
            ROOM,
            41,
            "e-1",
            json("{\"doc\":{\"view\":{\"timeCursor\":12.5}},\"objects\":{}}"),
            members,
            false),
        new Snapshot(
            2L,
            ROOM,
            41,
            "e-1",
            json("{\"doc\":{},\"objects\":{}}"),
            members,
            false,
            new RoomSettings(30)),
        new Snapshot(3L, ROOM, Long.MAX_VALUE, "e-1", null, Map.of(), true),
        new Snapshot(3L, ROOM, 5, "e-1", null, Map.of(), true, new RoomSettings(20)),
        new Snapshot(null, REC, 0, "e-2", json("{\"static\":[],\"events\":[]}"), null, false),
        delta,
        new Delta(ROOM, 42, "bob/c2", 5, null, objects),
        new Delta(ROOM, 43, "bob/c2", 6, null, null),
        new PresenceChanged(ROOM, changed),
        new PresenceChanged(ROOM, Map.of()),
        new Poses(ROOM, 123_456, poses),
        new Poses(
            ROOM,
            9,
            poses,
            Map.of(
                "cube",
                new ObjectState(
                    null, new Transform(List.of(1.0, 2.0, 3.0), null, null), "alice/c1"))),
        events,
        new Events(REC, 6, List.of(), true, true, null),
        new Ended(REC, 77),
        new ReplayEvents(
            REC,
            List.of(
                new ReplayItem(3L, 1_700_000_000_001L, delta),
                new ReplayItem(null, 1_700_000_000_002L, new Poses(ROOM, 1, poses)),
                new ReplayItem(7L, 1_700_000_000_003L, events),
                new ReplayItem(8L, 1_700_000_000_004L, new Ended(REC, 8)),
                new ReplayItem(
                    9L,
                    1_700_000_000_005L,
                    new ReplayEvents(REC, List.of(new ReplayItem(1L, 2, new Ended(REC, 1))))))),
        new ReplayEvents(ROOM, List.of()),
        new ReplayEnd(REC, 8),
        new Ok(4L, ROOM, 9_007_199_254_740_993L),
        new Ok(5L, null, null),
        new Ok(null, REC, null),
        new ErrorFrame(6L, "room:not valid!", ErrorCode.INVALID_SESSION, "bad session"),
        new ErrorFrame(null, null, ErrorCode.INTERNAL, null),
        new Bye(Bye.DRAINING),
        new Bye(null),
        new Resync(ROOM),
        new Quality("low", "outbound queue delay 900 ms", 12_000L, 900L),
        new Quality("high", null, null, null),
        new SettingsChanged(ROOM, new RoomSettings(60), "ada/c1"),
        new SettingsChanged(ROOM, new RoomSettings(20), null),
        Quality.forRoom(ROOM, "high", orderedLevels("chair", "high", "10", "high", "2", "low")),
        Quality.forRoom(ROOM, "low", Map.of()),
        new Ping(7L, NODES.numberNode(1.5)),
        new Pong(8L, NODES.numberNode(2), 1_700_000_000_000L));
  }

  /** Object levels in the given order (id, level, id, level, ...). */
  static Map<String, String> orderedLevels(String... idLevel) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < idLevel.length; i += 2) {
      out.put(idLevel[i], idLevel[i + 1]);
    }
    return out;
  }
}
