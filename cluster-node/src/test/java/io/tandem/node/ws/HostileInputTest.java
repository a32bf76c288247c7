package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.RawWs;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Findings of issue 18, each crossed against a real node with small limits. */
class HostileInputTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  HostileInputTest() {
    super(
        "tandem.room.max-state-bytes = 6000",
        "tandem.room.max-members-per-principal = 2",
        "tandem.ws.max-connections-per-principal = 3",
        "tandem.ws.max-connections-per-address = 12");
  }

  private static String room() {
    return "room:h-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private WsClient editor(String name) {
    WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.json");
    c.hello(node.token(name, "room:*:write"));
    return c;
  }

  private int healthz() throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/healthz")).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private static ObjectNode opFrame(WsClient c, String room, String path, JsonNode value) {
    ObjectNode p = WsClient.payload();
    ObjectNode op = p.putArray("ops").addObject().put("op", "set").put("path", path);
    op.set("value", value);
    return c.frame("op", room, p);
  }

  @Test
  void aThirtyThousandKeyPathIsBadFrameAndTheNodeKeepsServing() throws Exception {
    String room = room();
    try (WsClient c = editor("deep")) {
      c.join(room, "editor");
      ObjectNode f = opFrame(c, room, "a" + ".a".repeat(29_999), WsClient.JSON.valueToTree(1));
      c.send(f);
      assertEquals("bad_frame", c.replyTo(f).at("/payload/code").asText());
      ObjectNode at999 = opFrame(c, room, "a" + ".a".repeat(998), WsClient.JSON.valueToTree(1));
      c.send(at999);
      assertEquals("bad_frame", c.replyTo(at999).at("/payload/code").asText());
      assertEquals(1, c.set(room, "ok", 1).at("/payload/seq").asLong(), "nothing else took a seq");
    }
    assertEquals(200, healthz());
  }

  @Test
  void aDocumentDeeperThanTheLimitIsRefusedAndTheRoomStaysJoinable() {
    String room = room();
    try (WsClient c = editor("nester")) {
      c.join(room, "editor");
      ObjectNode value = WsClient.JSON.createObjectNode();
      ObjectNode at = value;
      for (int i = 0; i < 60; i++) {
        at = at.putObject("k");
      }
      ObjectNode f = opFrame(c, room, "a.b.c.d.e.f", value);
      c.send(f);
      JsonNode refused = c.replyTo(f);
      assertEquals("too_big", refused.at("/payload/code").asText());
      assertTrue(refused.at("/payload/message").asText().contains("deeper"));
      assertEquals(1, c.set(room, "x", 1).at("/payload/seq").asLong());
    }
    try (WsClient late = editor("late")) {
      JsonNode snapshot = late.join(room, "viewer");
      assertEquals("snapshot", snapshot.path("type").asText());
      assertEquals(1, snapshot.at("/payload/seq").asLong());
    }
  }

  @Test
  void hugeNamesAndAssetsAreBadFrameAndNonAsciiNamesAreKept() {
    try (WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.json")) {
      ObjectNode p = WsClient.payload().put("token", node.token("n", "room:*:write"));
      p.putObject("client").put("name", "x".repeat(200_000));
      ObjectNode hello = c.frame("hello", null, p);
      c.send(hello);
      assertEquals("bad_frame", c.replyTo(hello).at("/payload/code").asText());
      ObjectNode ok = WsClient.payload().put("token", node.token("n", "room:*:write"));
      ok.putObject("client").put("name", "Zoë 日本 \uD83D\uDE00".repeat(6));
      ObjectNode hello2 = c.frame("hello", null, ok);
      c.send(hello2);
      assertEquals("welcome", c.replyTo(hello2).path("type").asText());
      String room = room();
      JsonNode snapshot = c.join(room, "editor");
      assertTrue(snapshot.toString().contains("Zoë 日本"), snapshot.toString());
      ObjectNode spawn =
          c.frame(
              "object",
              room,
              WsClient.payload()
                  .put("action", "spawn")
                  .put("id", "o")
                  .put("asset", "a".repeat(200_000)));
      c.send(spawn);
      assertEquals("bad_frame", c.replyTo(spawn).at("/payload/code").asText());
    }
  }

  @Test
  void objectsAndTheDocumentCountAgainstOneStateBudget() {
    String room = room();
    try (WsClient c = editor("budget")) {
      c.join(room, "editor");
      assertEquals(1, c.set(room, "big", "x".repeat(3000)).at("/payload/seq").asLong());
      String code = "";
      int spawned = 0;
      while (spawned < 40) {
        ObjectNode spawn =
            c.frame(
                "object",
                room,
                WsClient.payload()
                    .put("action", "spawn")
                    .put("id", "obj-" + spawned)
                    .put("asset", "a".repeat(100)));
        c.send(spawn);
        JsonNode reply = c.replyTo(spawn);
        code = reply.path("type").asText().equals("ok") ? "ok" : reply.at("/payload/code").asText();
        if (!code.equals("ok")) {
          break;
        }
        spawned++;
      }
      assertEquals("too_big", code, "the budget ends spawning, after " + spawned);
      assertTrue(spawned > 0 && spawned < 40);
      JsonNode more = c.set(room, "more", "y".repeat(2000));
      assertEquals("too_big", more.at("/payload/code").asText());
    }
  }

  @Test
  void onePrincipalHasAtMostTheConfiguredMembersInARoom() {
    String room = room();
    try (WsClient a = editor("same");
        WsClient b = editor("same");
        WsClient c = editor("same")) {
      a.join(room, "editor");
      b.join(room, "editor");
      JsonNode third = c.join(room, "editor");
      assertEquals("conflict", third.at("/payload/code").asText());
    }
  }

  @Test
  void connectionsPerPrincipalArCappedWith4429AfterHello() {
    List<WsClient> open = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        open.add(editor("many"));
      }
      WsClient fourth = WsClient.connect(node.wsUrl(), "tandem.v1.json");
      open.add(fourth);
      ObjectNode p = WsClient.payload().put("token", node.token("many", "room:*:write"));
      ObjectNode hello = fourth.frame("hello", null, p);
      fourth.send(hello);
      assertEquals("rate_limited", fourth.replyTo(hello).at("/payload/code").asText());
      assertEquals(4429, fourth.awaitClose(WAIT));
    } finally {
      open.forEach(WsClient::close);
    }
  }

  @Test
  void foreignAndNullOriginsAreRefusedBeforeTheUpgrade() throws Exception {
    try (RawWs evil = RawWs.connect(node.wsUrl(), Map.of("Origin", "http://evil.example"))) {
      assertEquals(403, evil.status());
      assertTrue(evil.body().contains("\"forbidden\""));
    }
    try (RawWs opaque = RawWs.connect(node.wsUrl(), Map.of("Origin", "null"))) {
      assertEquals(403, opaque.status());
    }
    URI ws = URI.create(node.wsUrl());
    String own = "http://" + ws.getHost() + ":" + ws.getPort();
    try (RawWs same = RawWs.connect(node.wsUrl(), Map.of("Origin", own))) {
      assertEquals(101, same.status());
    }
    try (RawWs none = RawWs.connect(node.wsUrl())) {
      assertEquals(101, none.status());
    }
  }

  @Test
  void connectionsPerAddressAreCappedWithHttp429() throws Exception {
    List<RawWs> open = new ArrayList<>();
    try {
      int status = 101;
      for (int i = 0; i < 20 && status == 101; i++) {
        RawWs ws = RawWs.connect(node.wsUrl());
        open.add(ws);
        status = ws.status();
      }
      assertEquals(429, status);
      assertTrue(open.size() <= 13, "at most 12 open, got " + open.size());
    } finally {
      open.forEach(RawWs::close);
    }
  }
}
