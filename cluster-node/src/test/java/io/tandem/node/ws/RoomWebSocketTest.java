package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Rooms end to end: real WebSocket clients on loopback, a node wired as in production, the real
 * Cassandra. Each test uses its own room.
 */
class RoomWebSocketTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  RoomWebSocketTest() {
    super("tandem.room.recent-changes = 4");
  }

  private static String room() {
    return "room:t-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private WsClient editor(String name) {
    WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.json");
    c.hello(node.token(name, "room:*:write"));
    return c;
  }

  @Test
  void twoClientsSeeEachOthersChangesInOneOrder() throws Exception {
    String room = room();
    try (WsClient a = editor("alice");
        WsClient b = editor("bob")) {
      assertEquals("snapshot", a.join(room, "editor").path("type").asText());
      assertEquals("snapshot", b.join(room, "editor").path("type").asText());
      int perClient = 25;
      CompletableFuture<Void> fromA =
          CompletableFuture.runAsync(() -> sendOps(a, room, "a", perClient));
      CompletableFuture<Void> fromB =
          CompletableFuture.runAsync(() -> sendOps(b, room, "b", perClient));
      CompletableFuture.allOf(fromA, fromB).get();
      List<String> seenByA = deltas(a, 2 * perClient);
      List<String> seenByB = deltas(b, 2 * perClient);
      assertEquals(seenByA, seenByB, "both clients see every change in the same order");
      for (int i = 0; i < seenByA.size(); i++) {
        assertTrue(seenByA.get(i).startsWith((i + 1) + ":"), "seqs are contiguous from 1");
      }
    }
  }

  private static void sendOps(WsClient c, String room, String prefix, int count) {
    for (int i = 0; i < count; i++) {
      ObjectNode p = WsClient.payload();
      p.putArray("ops").addObject().put("op", "set").put("path", "cursor").put("value", prefix + i);
      c.send(c.frame("op", room, p));
    }
  }

  /** The next {@code n} deltas as "seq:by:value"; ok frames and presence are skipped. */
  private static List<String> deltas(WsClient c, int n) {
    List<String> out = new ArrayList<>();
    while (out.size() < n) {
      JsonNode f = c.await(x -> x.path("type").asText().equals("delta"), WAIT);
      JsonNode p = f.get("payload");
      out.add(
          p.get("seq").asLong()
              + ":"
              + p.get("by").asText().split("/")[0]
              + ":"
              + p.at("/ops/0/value").asText());
    }
    return out;
  }

  @Test
  void opIsAcknowledgedWithItsSeqAndEchoedToTheSender() {
    String room = room();
    try (WsClient a = editor("alice")) {
      a.join(room, "editor");
      JsonNode ok = a.set(room, "view.timeCursor", 12.5);
      assertEquals("ok", ok.path("type").asText());
      assertEquals(1, ok.at("/payload/seq").asLong());
      JsonNode delta = a.await(f -> f.path("type").asText().equals("delta"), WAIT);
      assertEquals(1, delta.at("/payload/seq").asLong());
      assertEquals(12.5, delta.at("/payload/ops/0/value").asDouble());
      assertTrue(delta.at("/payload/by").asText().startsWith("alice/"));
      assertTrue(delta.at("/payload/ts").asLong() > 0);
    }
  }

  @Test
  void aRetriedOpWithItsKeyIsAppliedOnceFromAnyConnection() {
    String room = room();
    try (WsClient a = editor("alice");
        WsClient b = editor("bob")) {
      a.join(room, "editor");
      b.join(room, "viewer");
      JsonNode first = a.set(room, "n", 1, "alice-op-1");
      assertEquals(1, first.at("/payload/seq").asLong(), first.toString());
      a.close();
      try (WsClient again = editor("alice")) {
        again.join(room, "editor");
        JsonNode retry = again.set(room, "n", 1, "alice-op-1");
        assertEquals("ok", retry.path("type").asText(), retry.toString());
        assertEquals(1, retry.at("/payload/seq").asLong(), "answered with the first seq");
        assertEquals(2, again.set(room, "n", 2, "alice-op-2").at("/payload/seq").asLong());
      }
      List<String> seen = deltas(b, 2);
      assertEquals(List.of("1:alice:1", "2:alice:2"), seen, "the retry made no second change");
      JsonNode bad = b.set(room, "n", 3, "");
      assertEquals("bad_frame", bad.at("/payload/code").asText(), bad.toString());
    }
  }

  @Test
  void aFrameSentRightAfterTheSnapshotFindsTheMember() {
    for (int i = 0; i < 20; i++) {
      String room = room();
      try (WsClient a = editor("eager")) {
        assertEquals("snapshot", a.join(room, "editor").path("type").asText());
        JsonNode ok = a.set(room, "n", i);
        assertEquals("ok", ok.path("type").asText(), "round " + i + ": " + ok);
      }
    }
  }

  @Test
  void lateJoinerGetsTheSnapshotBeforeAnyDelta() {
    String room = room();
    try (WsClient a = editor("alice")) {
      a.join(room, "editor");
      for (int i = 1; i <= 5; i++) {
        a.set(room, "n", i);
      }
      try (WsClient late = editor("carol")) {
        ObjectNode join = late.frame("join", room, WsClient.payload().put("role", "viewer"));
        late.send(join);
        a.set(room, "n", 6);
        JsonNode first = late.nextNonPresence(WAIT);
        assertEquals("snapshot", first.path("type").asText(), "the snapshot comes first: " + first);
        long snapSeq = first.at("/payload/seq").asLong();
        assertFalse(first.at("/payload/recovered").asBoolean());
        assertEquals(snapSeq, first.at("/payload/state/doc/n").asLong());
        if (snapSeq == 5) {
          JsonNode delta = late.nextNonPresence(WAIT);
          assertEquals("delta", delta.path("type").asText());
          assertEquals(6, delta.at("/payload/seq").asLong());
        }
        assertTrue(first.at("/payload/members").size() >= 2, "members are in the snapshot");
      }
    }
  }

  @Test
  void resumeWithSinceGetsExactlyTheMissedChangesFromMemoryAndFromTheJournal() {
    String room = room();
    try (WsClient a = editor("alice")) {
      a.join(room, "editor");
      a.set(room, "n", 0);
      String epoch;
      long last;
      try (WsClient b = editor("bob")) {
        JsonNode snap = b.join(room, "viewer");
        epoch = snap.at("/payload/epoch").asText();
        last = snap.at("/payload/seq").asLong();
      }
      // three missed changes: within the entity's memory (recent-changes = 4)
      for (int i = 1; i <= 3; i++) {
        a.set(room, "n", i);
      }
      last = resumeAndCheck(a, room, epoch, last, 3);
      // ten missed changes: beyond memory, read back from the Cassandra journal
      for (int i = 4; i <= 13; i++) {
        a.set(room, "n", i);
      }
      resumeAndCheck(a, room, epoch, last, 10);
    }
  }

  /**
   * Resumes at {@code since} and checks the missed changes arrive exactly, then that the next live
   * change follows them directly (nothing repeated, nothing extra). Returns the last seq seen.
   */
  private long resumeAndCheck(WsClient a, String room, String epoch, long since, int missed) {
    try (WsClient b = editor("bob")) {
      JsonNode snap = b.join(room, "viewer", since, epoch);
      assertEquals("snapshot", snap.path("type").asText(), snap.toString());
      assertTrue(snap.at("/payload/recovered").asBoolean(), snap.toString());
      assertEquals(since, snap.at("/payload/seq").asLong());
      assertTrue(snap.at("/payload/state").isNull());
      long expected = since + 1;
      for (int i = 0; i < missed; i++) {
        JsonNode d = b.nextNonPresence(WAIT);
        assertEquals("delta", d.path("type").asText(), d.toString());
        assertEquals(expected++, d.at("/payload/seq").asLong(), "no change skipped or repeated");
      }
      long live = a.set(room, "live", expected).at("/payload/seq").asLong();
      JsonNode next = b.nextNonPresence(WAIT);
      assertEquals(live, next.at("/payload/seq").asLong(), "the live change follows directly");
      assertEquals(expected, live);
      return live;
    }
  }

  @Test
  void aJoinWithoutTheGrantIsForbidden() {
    String room = room();
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("mallory", "room:other-*:write"));
      JsonNode reply = c.join(room, "viewer");
      assertEquals("error", reply.path("type").asText());
      assertEquals("forbidden", reply.at("/payload/code").asText());
      assertEquals(room, reply.path("session").asText());
      JsonNode editorReply = c.join("room:other-1", "editor");
      assertEquals("snapshot", editorReply.path("type").asText(), "write includes read");
    }
    try (WsClient viewer = WsClient.connect(node.wsUrl())) {
      viewer.hello(node.token("vic", "room:*:read"));
      assertEquals("forbidden", viewer.join(room, "editor").at("/payload/code").asText());
      viewer.join(room, "viewer");
      JsonNode refused = viewer.set(room, "x", 1);
      assertEquals("forbidden", refused.at("/payload/code").asText());
    }
  }

  @Test
  void anExpiredTokenGetsUnauthorizedAndClose4401() {
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      String expired =
          node.token(
              "old",
              "room:*:write",
              Duration.ofMinutes(5),
              java.time.Instant.now().minusSeconds(3600));
      c.send(c.frame("hello", null, WsClient.payload().put("token", expired)));
      JsonNode error = c.next(WAIT);
      assertEquals("unauthorized", error.at("/payload/code").asText());
      assertEquals(4401, c.awaitClose(WAIT));
    }
  }

  @Test
  void aBadSignatureGetsClose4401() {
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      String forged = node.token("eve", "room:*:write").replaceAll(".$", "A");
      c.send(c.frame("hello", null, WsClient.payload().put("token", forged + "x")));
      assertEquals("unauthorized", c.next(WAIT).at("/payload/code").asText());
      assertEquals(4401, c.awaitClose(WAIT));
    }
  }

  @Test
  void pingGetsPongWithTheSameT() {
    try (WsClient c = editor("pinger")) {
      ObjectNode ping = c.frame("ping", null, WsClient.payload().put("t", 1234.5));
      c.send(ping);
      JsonNode pong = c.replyTo(ping);
      assertEquals("pong", pong.path("type").asText());
      assertEquals(1234.5, pong.at("/payload/t").asDouble());
      assertTrue(pong.at("/payload/serverTime").asLong() > 0);
    }
  }

  @Test
  void malformedFramesGetTheirErrorAndTheConnectionStaysOpen() {
    try (WsClient c = editor("sloppy")) {
      c.sendRaw("{not json");
      assertEquals("bad_frame", c.next(WAIT).at("/payload/code").asText());
      c.sendRaw("{\"version\":2,\"type\":\"ping\",\"ref\":5,\"payload\":{\"t\":1}}");
      JsonNode v2 = c.next(WAIT);
      assertEquals("unsupported_version", v2.at("/payload/code").asText());
      assertEquals(5, v2.path("ref").asLong());
      c.sendRaw("{\"version\":1,\"type\":\"teleport\",\"ref\":6,\"payload\":{}}");
      assertEquals("unknown_type", c.next(WAIT).at("/payload/code").asText());
      c.sendRaw(
          "{\"version\":1,\"type\":\"join\",\"ref\":7,\"session\":\"room:bad name!\",\"payload\":{}}");
      assertEquals("invalid_session", c.next(WAIT).at("/payload/code").asText());
      c.sendRaw(
          "{\"version\":1,\"type\":\"op\",\"ref\":8,\"session\":\"room:x\",\"payload\":{\"ops\":\"nope\"}}");
      assertEquals("bad_frame", c.next(WAIT).at("/payload/code").asText());
      ObjectNode ping = c.frame("ping", null, WsClient.payload().put("t", 1));
      c.send(ping);
      assertEquals("pong", c.replyTo(ping).path("type").asText(), "still open and served");
      assertFalse(c.isClosed());
    }
  }

  @Test
  void aFrameOverTheLimitGetsTooBigAndChangesNothing() {
    String room = room();
    try (WsClient c = editor("big")) {
      c.join(room, "editor");
      ObjectNode p = WsClient.payload();
      p.putArray("ops")
          .addObject()
          .put("op", "set")
          .put("path", "blob")
          .put("value", "x".repeat(300_000));
      c.send(c.frame("op", room, p));
      JsonNode err = c.nextNonPresence(WAIT);
      assertEquals("too_big", err.at("/payload/code").asText());
      JsonNode ok = c.set(room, "small", 1);
      assertEquals(1, ok.at("/payload/seq").asLong(), "the refused frame took no seq");
    }
  }

  @Test
  void moreThanTwentyMalformedFramesWithinTenSecondsClose1008() {
    try (WsClient c = editor("noisy")) {
      for (int i = 0; i < 20; i++) {
        c.sendRaw("garbage " + i);
      }
      for (int i = 0; i < 20; i++) {
        assertEquals("bad_frame", c.next(WAIT).at("/payload/code").asText());
      }
      assertFalse(c.isClosed(), "twenty never close the connection");
      c.sendRaw("one too many");
      assertEquals(1008, c.awaitClose(WAIT));
    }
  }

  @Test
  void framesBeforeHelloAreRefusedAndHelloStillWorks() {
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.send(c.frame("join", room(), WsClient.payload()));
      assertEquals("unauthorized", c.next(WAIT).at("/payload/code").asText());
      JsonNode welcome = c.hello(node.token("late", "room:*:read"));
      assertEquals("late", welcome.at("/payload/principal").asText());
      assertTrue(welcome.at("/payload/heartbeatMs").asLong() > 0);
      assertTrue(welcome.at("/payload/limits/maxFrameBytes").asInt() > 0);
      assertFalse(welcome.at("/payload/connection").asText().isEmpty());
    }
  }

  @Test
  void cborClientsGetBinaryFramesWithTheSameDataModel() {
    String room = room();
    try (WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.cbor")) {
      assertTrue(c.isCbor());
      c.hello(node.token("cbor", "room:*:write"));
      JsonNode snap = c.join(room, "editor");
      assertEquals("snapshot", snap.path("type").asText());
      assertEquals(1, c.set(room, "a.b", "c").at("/payload/seq").asLong());
    }
  }

  @Test
  void objectsHaveExclusiveHoldsOverTheWire() {
    String room = room();
    try (WsClient a = editor("alice");
        WsClient b = editor("bob")) {
      a.join(room, "editor");
      b.join(room, "editor");
      ObjectNode spawn =
          a.frame(
              "object",
              room,
              WsClient.payload().put("action", "spawn").put("id", "cube").put("asset", "cube.glb"));
      a.send(spawn);
      assertEquals("ok", a.replyTo(spawn).path("type").asText());
      ObjectNode grab =
          a.frame("object", room, WsClient.payload().put("action", "grab").put("id", "cube"));
      a.send(grab);
      assertEquals(2, a.replyTo(grab).at("/payload/seq").asLong());
      ObjectNode steal =
          b.frame("object", room, WsClient.payload().put("action", "grab").put("id", "cube"));
      b.send(steal);
      assertEquals("conflict", b.replyTo(steal).at("/payload/code").asText());
      JsonNode held =
          b.await(
              f -> f.path("type").asText().equals("delta") && f.at("/payload/seq").asLong() == 2,
              WAIT);
      assertTrue(held.at("/payload/objects/cube/heldBy").asText().startsWith("alice/"));
      a.close();
      JsonNode released =
          b.await(
              f -> f.path("type").asText().equals("delta") && f.at("/payload/seq").asLong() == 3,
              WAIT);
      assertTrue(released.at("/payload/objects/cube").has("asset"));
      assertFalse(released.at("/payload/objects/cube").has("heldBy"), "a disconnect ends the hold");
      assertTrue(released.at("/payload/by").asText().startsWith("alice/"));
    }
  }

  @Test
  void presenceReachesOthersAndLeavesAreAnnounced() {
    String room = room();
    try (WsClient a = editor("alice");
        WsClient b = editor("bob")) {
      a.join(room, "editor");
      b.join(room, "editor");
      a.send(a.frame("presence", room, WsClient.payload().put("cursor", "10,20")));
      JsonNode p =
          b.await(
              f -> f.path("type").asText().equals("presence") && f.toString().contains("10,20"),
              WAIT);
      String aliceId = p.at("/payload/members").fieldNames().next();
      assertEquals(
          "editor", p.at("/payload/members/" + aliceId.replace("/", "~1") + "/role").asText());
      a.close();
      b.await(
          f ->
              f.path("type").asText().equals("presence")
                  && f.at("/payload/members").has(aliceId)
                  && f.at("/payload/members").get(aliceId).isNull(),
          WAIT);
    }
  }

  /**
   * Presence goes straight to the room's entity once the hub named it (SessionHub.EntityAt); when
   * that incarnation stops, the connections hear it moved and send through sharding again, then to
   * the next incarnation. Were the connection to keep the stopped one, every later presence would
   * be lost.
   */
  @Test
  void presenceStillReachesOthersAfterTheRoomsEntityStopped() {
    String room = room();
    try (WsClient a = editor("alice");
        WsClient b = editor("bob")) {
      a.join(room, "editor");
      b.join(room, "editor");
      a.send(a.frame("presence", room, WsClient.payload().put("cursor", "before")));
      b.await(
          f -> f.path("type").asText().equals("presence") && f.toString().contains("before"), WAIT);
      new SessionEntities(node.system())
          .entity(SessionId.parse(room))
          .tell(SessionCommand.Stop.INSTANCE);
      // the hub joins its connections to the next incarnation by itself; a presence sent meanwhile
      // may reach the stopping one and be overtaken, so each attempt sends a newer one
      long deadline = System.nanoTime() + WAIT.toNanos();
      boolean seen = false;
      for (int n = 0; !seen && System.nanoTime() < deadline; n++) {
        String value = "after-" + n;
        a.send(a.frame("presence", room, WsClient.payload().put("cursor", value)));
        long attemptEnd = System.nanoTime() + Duration.ofMillis(300).toNanos();
        for (long left = attemptEnd - System.nanoTime();
            !seen && left > 0;
            left = attemptEnd - System.nanoTime()) {
          JsonNode f = b.poll(Duration.ofNanos(left));
          seen =
              f != null
                  && f.path("type").asText().equals("presence")
                  && f.toString().contains("after-");
        }
      }
      assertTrue(seen, "no presence reached the other member after the entity stopped");
    }
  }
}
