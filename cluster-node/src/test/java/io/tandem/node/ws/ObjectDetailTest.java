package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * The per-room level-of-detail recommendation end to end, with a budget of one high-detail object:
 * the object an XR receiver looks at is {@code high} and the one behind it {@code low}, turning
 * around swaps them, and a connection that stops reading gets every object {@code low}.
 */
class ObjectDetailTest extends OneNodeTest {

  ObjectDetailTest() {
    super(
        "tandem.xr.high-detail-objects = 1",
        "tandem.xr.lower-lod-after = 1s",
        // once lowered the connection stays low for this test's lifetime
        "tandem.xr.raise-lod-after = 1h",
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000");
  }

  static final double[] LOOK_AHEAD = {0, 0, 0, 1}; // along -Z
  static final double[] LOOK_BACK = {0, 1, 0, 0}; // along +Z

  /** Spawns {@code id} at {@code (x, 1.6, z)} and waits for its ok. */
  static void spawn(WsClient c, String room, String id, double x, double z) {
    ObjectNode p = WsClient.payload().put("action", "spawn").put("id", id).put("asset", "cube");
    p.putObject("transform").putArray("p").add(x).add(1.6).add(z);
    ObjectNode f = c.frame("object", room, p);
    c.send(f);
    assertEquals("ok", c.replyTo(f).path("type").asText());
  }

  /** An object to spawn at {@code (x, 1.6, z)}. */
  record At(String id, double x, double z) {}

  /**
   * {@code writer} joins {@code room} as editor and spawns {@code objects}; then {@code headset}
   * joins as an XR client and looks ahead (along -Z) from the origin.
   */
  static void headsetAmong(
      WsClient writer, WsClient headset, String token, String room, At... objects) {
    writer.hello(token);
    writer.join(room, "editor");
    for (At o : objects) {
      spawn(writer, room, o.id(), o.x(), o.z());
    }
    XrWebSocketTest.joinXr(headset, token, room, null);
    headset.send(XrWebSocketTest.pose(headset, room, 1, 0, 0, LOOK_AHEAD));
  }

  /** A per-room recommendation for {@code room} that {@code wanted} accepts. */
  static Predicate<JsonNode> roomQuality(String room, Predicate<JsonNode> wanted) {
    return f ->
        "quality".equals(f.path("type").asText())
            && room.equals(f.path("session").asText())
            && wanted.test(f.at("/payload"));
  }

  static String level(JsonNode payload, String id) {
    return payload.path("objects").path(id).asText();
  }

  static List<String> order(JsonNode payload) {
    List<String> out = new ArrayList<>();
    payload.path("order").forEach(id -> out.add(id.asText()));
    return out;
  }

  @Test
  void theObjectInViewIsHighAndTurningAroundSwapsItWithTheOneBehind() {
    String room = "room:detail-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient headset = WsClient.connect(node.wsUrl())) {
      // ids whose order is the opposite of the gaze order: id order cannot pass for it
      headsetAmong(
          writer, headset, token, room, new At("z-ahead", 0, -3), new At("a-behind", 0, 3));

      JsonNode looking =
          headset
              .await(
                  roomQuality(
                      room,
                      p ->
                          level(p, "z-ahead").equals("high") && level(p, "a-behind").equals("low")),
                  Duration.ofSeconds(20))
              .at("/payload");
      assertEquals("high", looking.path("lod").asText());
      assertEquals(List.of("z-ahead", "a-behind"), order(looking), "in gaze order");
      assertEquals(2, looking.path("objects").size(), "every object of the room");

      headset.send(XrWebSocketTest.pose(headset, room, 2, 0, 0, LOOK_BACK));
      JsonNode turned =
          headset
              .await(
                  roomQuality(room, p -> level(p, "a-behind").equals("high")),
                  Duration.ofSeconds(20))
              .at("/payload");
      assertEquals("low", level(turned, "z-ahead"), "the budget is one: " + turned);
      assertEquals(List.of("a-behind", "z-ahead"), order(turned));
    }
  }

  @Test
  void aConnectionThatStopsReadingGetsEveryObjectLow() {
    String room = "room:detail-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient headset = WsClient.connect(node.wsUrl())) {
      headsetAmong(writer, headset, token, room, new At("ahead", 0, -3), new At("behind", 0, 3));
      headset.skipTo(
          roomQuality(room, p -> level(p, "ahead").equals("high")), Duration.ofSeconds(20));

      headset.pause();
      QualityTest.floodUntilLowered(node, writer, room);
      headset.resume();
      JsonNode low =
          headset.await(
              f -> "quality".equals(f.path("type").asText()) && !f.has("session"),
              Duration.ofSeconds(60));
      assertEquals("low", low.at("/payload/lod").asText());
      JsonNode allLow =
          headset
              .await(
                  roomQuality(room, p -> p.path("lod").asText().equals("low")),
                  Duration.ofSeconds(60))
              .at("/payload");
      assertEquals("low", level(allLow, "ahead"), allLow.toString());
      assertEquals("low", level(allLow, "behind"), allLow.toString());
      assertTrue(node.node().outbound().roomQualitySent() >= 2);
    }
  }
}
