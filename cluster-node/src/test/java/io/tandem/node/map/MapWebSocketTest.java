package io.tandem.node.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Maps end to end (protocol 4.5): a publisher and viewers on real WebSockets, the real Cassandra
 * journal; snapshots in parts, ephemeral values without seq, resume, control, roles and limits.
 */
class MapWebSocketTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int MAX_FRAME = 64 * 1024;

  MapWebSocketTest() {
    super(
        "tandem.ws.max-frame-bytes = " + MAX_FRAME,
        "tandem.map.part-bytes = 8192",
        "tandem.map.max-value-bytes = 4096",
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000");
  }

  private WsClient client(String sub, String scope) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token(sub, scope));
    return c;
  }

  private static String map() {
    return "map:g-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static ObjectNode put(WsClient c, String session, boolean durable, Object... kv) {
    ObjectNode p = WsClient.payload().put("durable", durable);
    ObjectNode e = p.putObject("entries");
    for (int i = 0; i < kv.length; i += 2) {
      e.set((String) kv[i], kv[i + 1] == null ? null : WsClient.JSON.valueToTree(kv[i + 1]));
    }
    ObjectNode f = c.frame("put", session, p);
    c.send(f);
    return f;
  }

  /** Reads a snapshot and its parts; returns the state, checking the parts come first. */
  private static Map<String, JsonNode> snapshotState(WsClient c, JsonNode snapshot) {
    assertEquals("snapshot", snapshot.path("type").asText(), snapshot.toString());
    Map<String, JsonNode> state = new HashMap<>();
    snapshot
        .at("/payload/state/entries")
        .fields()
        .forEachRemaining(e -> state.put(e.getKey(), e.getValue()));
    int parts = snapshot.at("/payload/parts").asInt();
    long seq = snapshot.at("/payload/seq").asLong();
    for (int i = 1; i < parts; i++) {
      JsonNode part = c.next(WAIT);
      assertEquals("snapshot.part", part.path("type").asText(), "parts before anything else");
      assertEquals(i, part.at("/payload/part").asInt());
      assertEquals(seq, part.at("/payload/seq").asLong());
      part.at("/payload/entries")
          .fields()
          .forEachRemaining(e -> state.put(e.getKey(), e.getValue()));
    }
    return state;
  }

  @Test
  void aLateViewerGetsTheStateInPartsWithinTheFrameLimitThenTheChanges() throws Exception {
    String map = map();
    try (WsClient pub = client("producer", "map:*:publish");
        WsClient viewer = client("viewer", "map:*:read")) {
      assertEquals(1, pub.join(map, "publisher").at("/payload/parts").asInt());
      // 2,000 nodes in 40 durable puts of 50 (each within a part)
      ObjectNode last = null;
      for (int b = 0; b < 40; b++) {
        ObjectNode p = WsClient.payload();
        ObjectNode e = p.putObject("entries");
        for (int i = b * 50; i < b * 50 + 50; i++) {
          e.putObject("node/" + i).put("label", "n" + i).putArray("pos").add(i).add(-i);
        }
        last = pub.frame("put", map, p);
        pub.send(last);
      }
      assertEquals(40, pub.replyTo(last).at("/payload/seq").asLong());
      // and positions, ephemeral
      assertEquals(
          "ok",
          pub.replyTo(put(pub, map, false, "node/0:p", new int[] {7, 7})).path("type").asText());

      JsonNode snap = viewer.join(map, "viewer");
      assertEquals(40, snap.at("/payload/seq").asLong());
      assertTrue(snap.at("/payload/parts").asInt() > 5, "parts: " + snap.at("/payload/parts"));
      Map<String, JsonNode> state = snapshotState(viewer, snap);
      assertEquals(2001, state.size());
      assertEquals(1999, state.get("node/1999").at("/pos/0").asInt());
      assertEquals(7, state.get("node/0:p").get(0).asInt(), "ephemeral values are in the state");

      // a durable change after the snapshot: changes with seq 41, by and ts
      assertEquals(
          41, pub.replyTo(put(pub, map, true, "node/5", null)).at("/payload/seq").asLong());
      // (the ephemeral put above may still reach the viewer at the tick after its join: no seq)
      JsonNode change =
          viewer.await(
              f -> "changes".equals(f.path("type").asText()) && f.at("/payload/seq").isNumber(),
              WAIT);
      assertEquals(41, change.at("/payload/seq").asLong());
      assertTrue(change.at("/payload/entries/node~15").isNull(), "a deletion is null");
      assertFalse(change.at("/payload/by").asText().isEmpty());
      // an ephemeral one: changes without seq
      pub.replyTo(put(pub, map, false, "node/0:p", new int[] {8, 8}));
      JsonNode eph =
          viewer.await(
              f ->
                  "changes".equals(f.path("type").asText())
                      && f.at("/payload/entries/node~10:p/0").asInt() == 8,
              WAIT);
      assertTrue(eph.at("/payload/seq").isMissingNode());
      assertTrue(eph.at("/payload/by").isMissingNode());
      assertEquals(8, eph.at("/payload/entries/node~10:p/0").asInt());
    }
  }

  @Test
  void ephemeralValuesOfOneKeyCoalesceToTheLatest() {
    String map = map();
    try (WsClient pub = client("producer", "map:*:publish");
        WsClient viewer = client("viewer", "map:*:read")) {
      pub.join(map, "publisher");
      viewer.join(map, "viewer");
      ObjectNode last = null;
      for (int i = 1; i <= 200; i++) {
        last = put(pub, map, false, "pos", i);
      }
      pub.replyTo(last);
      int frames = 0;
      int value = 0;
      while (value != 200) {
        JsonNode f = viewer.await(x -> "changes".equals(x.path("type").asText()), WAIT);
        frames++;
        value = f.at("/payload/entries/pos").asInt();
      }
      assertTrue(frames < 200, frames + " frames for 200 puts of one key");
    }
  }

  @Test
  void aResumeGetsTheMissedDurableChangesThenTheCurrentEphemeralValues() {
    String map = map();
    try (WsClient pub = client("producer", "map:*:publish")) {
      pub.join(map, "publisher");
      pub.replyTo(put(pub, map, true, "a", 1));
      long seq;
      String epoch;
      try (WsClient viewer = client("viewer", "map:*:read")) {
        JsonNode snap = viewer.join(map, "viewer");
        seq = snap.at("/payload/seq").asLong();
        epoch = snap.at("/payload/epoch").asText();
        assertEquals(1, seq);
      }
      pub.replyTo(put(pub, map, true, "b", 2));
      pub.replyTo(put(pub, map, false, "p", 5, "q", 6));
      pub.replyTo(put(pub, map, false, "p", 7));
      pub.replyTo(put(pub, map, true, "c", 3));
      try (WsClient back = client("viewer", "map:*:read")) {
        JsonNode again = back.join(map, "viewer", seq, epoch);
        assertTrue(again.at("/payload/recovered").asBoolean());
        JsonNode c1 = back.nextNonPresence(WAIT);
        JsonNode c2 = back.nextNonPresence(WAIT);
        assertEquals(2, c1.at("/payload/seq").asLong());
        assertEquals(3, c2.at("/payload/seq").asLong());
        JsonNode values = back.nextNonPresence(WAIT);
        assertEquals("changes", values.path("type").asText());
        assertTrue(values.at("/payload/seq").isMissingNode());
        assertEquals(7, values.at("/payload/entries/p").asInt());
        assertEquals(6, values.at("/payload/entries/q").asInt());
      }
    }
  }

  @Test
  void controlIsRelayedToThePublisherOrUnavailableWithoutOne() {
    String map = map();
    try (WsClient viewer = client("viewer", "map:*:read")) {
      viewer.join(map, "viewer");
      ObjectNode c =
          viewer.frame("control", map, WsClient.payload().put("method", "spring").put("k", 3));
      viewer.send(c);
      JsonNode refused = viewer.replyTo(c);
      assertEquals("unavailable", refused.at("/payload/code").asText());
      try (WsClient pub = client("producer", "map:*:publish")) {
        pub.join(map, "publisher");
        ObjectNode again =
            viewer.frame("control", map, WsClient.payload().put("method", "pca").put("k", 2));
        viewer.send(again);
        assertEquals("ok", viewer.replyTo(again).path("type").asText());
        JsonNode got = pub.await(f -> "control".equals(f.path("type").asText()), WAIT);
        assertEquals("pca", got.at("/payload/method").asText());
        assertEquals(2, got.at("/payload/k").asInt());
        assertTrue(got.at("/payload/by").asText().startsWith("viewer/"));
      }
    }
  }

  @Test
  void rolesGrantsAndLimitsAreEnforced() throws Exception {
    String map = map();
    try (WsClient viewer = client("viewer", "map:*:read");
        WsClient pub = client("producer", "map:*:publish")) {
      assertEquals("forbidden", viewer.join(map, "publisher").at("/payload/code").asText());
      assertEquals("forbidden", pub.join(map, "editor").at("/payload/code").asText());
      assertEquals("snapshot", viewer.join(map, "viewer").path("type").asText());
      assertEquals("snapshot", pub.join(map, "publisher").path("type").asText());
      assertEquals(
          "forbidden", viewer.replyTo(put(viewer, map, true, "a", 1)).at("/payload/code").asText());
      assertEquals(
          "too_big",
          pub.replyTo(put(pub, map, true, "big", "x".repeat(5000))).at("/payload/code").asText());
      ObjectNode bad = pub.frame("put", map, WsClient.payload());
      ((ObjectNode) bad.get("payload")).putObject("entries").put("no spaces", 1);
      pub.send(bad);
      assertEquals("bad_frame", pub.replyTo(bad).at("/payload/code").asText());
      assertEquals(1, pub.replyTo(put(pub, map, true, "a", 1)).at("/payload/seq").asLong());

      // the map is listed for readers
      HttpResponse<String> list =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions?kind=map"))
                      .header("Authorization", "Bearer " + node.token("r", "map:*:read"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, list.statusCode());
      assertTrue(list.body().contains("\"" + map + "\""), list.body());
    }
  }
}
