package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;

/**
 * XR over real WebSockets on a real node (Cassandra journal): 30 headsets sending poses at 90 Hz
 * into a 20 Hz room, live object moves, and poses in replay. Interest management is off here (every
 * receiver gets every changed pose at every tick); its own test is {@code InterestTest}.
 */
class XrWebSocketTest extends OneNodeTest {
  private static final int HEADSETS = 30;

  XrWebSocketTest() {
    super(
        "tandem.xr.interest = false",
        "tandem.room.tick-interval = 50ms",
        "tandem.room.hold-grace = 1500ms",
        "tandem.xr.participant-grace = 1500ms",
        // thirty headsets of one principal in one room
        "tandem.room.max-members-per-principal = 64");
  }

  /** Says hello as an XR client; returns its member id in {@code room} once joined as editor. */
  static String joinXr(WsClient c, String token, String room, String device) {
    ObjectNode p = WsClient.payload().put("token", token);
    ObjectNode client = p.putObject("client").put("name", "headset").put("kind", "xr");
    if (device != null) {
      client.put("device", device);
    }
    ObjectNode hello = c.frame("hello", null, p);
    c.send(hello);
    JsonNode welcome = c.replyTo(hello);
    assertEquals("welcome", welcome.path("type").asText());
    JsonNode snapshot = c.join(room, "editor");
    assertEquals("snapshot", snapshot.path("type").asText());
    return welcome.at("/payload/principal").asText()
        + "/"
        + welcome.at("/payload/connection").asText();
  }

  static ObjectNode pose(WsClient c, String room, double t, double x, double z, double[] q) {
    ObjectNode p = WsClient.payload().put("t", t);
    ObjectNode head = p.putObject("head");
    head.putArray("p").add(x).add(1.6).add(z);
    ArrayNode qa = head.putArray("q");
    for (double v : q) {
      qa.add(v);
    }
    p.putObject("right").putArray("p").add(x + 0.3).add(1.2).add(z - 0.3);
    ObjectNode f = c.frame("pose", room, p);
    f.remove("ref"); // never acknowledged
    return f;
  }

  private static final double[] AHEAD = {0, 0, 0, 1};

  /**
   * Runs {@code round} for rounds 1 to {@code rounds} at 90 Hz on {@code sender}; returns the
   * seconds it took. A failing round fails the test.
   */
  static double at90Hz(ScheduledExecutorService sender, int rounds, IntConsumer round)
      throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    ScheduledFuture<?> task =
        sender.scheduleAtFixedRate(
            () -> {
              try {
                int k = next.incrementAndGet();
                if (k > rounds) {
                  done.countDown();
                  return;
                }
                round.accept(k);
              } catch (Throwable e) {
                failed.set(e);
                done.countDown();
              }
            },
            0,
            1_000_000 / 90,
            TimeUnit.MICROSECONDS);
    long started = System.nanoTime();
    assertTrue(done.await(60, TimeUnit.SECONDS));
    task.cancel(false);
    assertEquals(null, failed.get());
    return (System.nanoTime() - started) / 1e9;
  }

  @Test
  void thirtyHeadsetsAt90HzGetOneFramePerTickWithTheLatestPoses() throws Exception {
    String room = "room:xr-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    List<WsClient> clients = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    try {
      for (int i = 0; i < HEADSETS; i++) {
        WsClient c = WsClient.connect(node.wsUrl());
        clients.add(c);
        ids.add(joinXr(c, token, room, null));
      }
      WsClient receiver = clients.get(0);
      receiver.drain();
      int rounds = 270; // 3 s at 90 Hz
      double seconds =
          at90Hz(
              sender,
              rounds,
              k -> {
                for (int i = 1; i < HEADSETS; i++) {
                  WsClient c = clients.get(i);
                  c.send(pose(c, room, k, i, -k / 100.0, AHEAD));
                }
              });

      // read until every other headset's last pose arrived
      Map<String, Double> latest = new HashMap<>();
      int frames = 0;
      int entries = 0;
      long lastTick = 0;
      while (latest.size() < HEADSETS - 1 || latest.values().stream().anyMatch(t -> t < rounds)) {
        JsonNode f =
            receiver.await(x -> "poses".equals(x.path("type").asText()), Duration.ofSeconds(10));
        frames++;
        long tick = f.at("/payload/tick").asLong();
        assertTrue(tick > lastTick, "ticks only go forward");
        lastTick = tick;
        JsonNode poses = f.at("/payload/poses");
        assertFalse(poses.has(ids.get(0)), "a receiver never gets its own pose");
        assertTrue(poses.size() <= HEADSETS - 1);
        entries += poses.size();
        poses
            .fields()
            .forEachRemaining(e -> latest.put(e.getKey(), e.getValue().path("t").asDouble()));
      }
      double perSecond = frames / seconds;
      // a 20 Hz room: about 20 frames a second, far from the 90 Hz input, never a backlog
      assertTrue(perSecond <= 24, "frames per second " + perSecond);
      assertTrue(perSecond >= 8, "frames per second " + perSecond);
      assertTrue(entries <= frames * (HEADSETS - 1), "at most one pose per member per frame");
      for (int i = 1; i < HEADSETS; i++) {
        assertEquals((double) rounds, latest.get(ids.get(i)), "the latest pose of each member");
      }

      // the recorded ticks replay as poses frames
      WsClient viewer = clients.get(1);
      viewer.drain();
      ObjectNode replay =
          viewer.frame("replay", room, WsClient.payload().put("from", 1).put("speed", 0));
      viewer.send(replay);
      assertEquals("ok", viewer.replyTo(replay).path("type").asText());
      int replayedPoses = 0;
      while (true) {
        JsonNode f =
            viewer.await(
                x ->
                    x.path("type").asText().equals("replay.events")
                        || x.path("type").asText().equals("replay.end"),
                Duration.ofSeconds(30));
        if (f.path("type").asText().equals("replay.end")) {
          break;
        }
        for (JsonNode item : f.at("/payload/items")) {
          if (item.at("/frame/type").asText().equals("poses")) {
            assertFalse(item.has("seq"), "poses items have no seq");
            replayedPoses++;
          }
        }
      }
      assertTrue(replayedPoses >= 20, "recorded ticks replayed: " + replayedPoses);
    } finally {
      sender.shutdownNow();
      clients.forEach(WsClient::close);
    }
  }

  private static JsonNode object(WsClient c, String room, String action, double x) {
    ObjectNode p = WsClient.payload().put("action", action).put("id", "cube");
    if (action.equals("spawn")) {
      p.put("asset", "cube");
    }
    p.putObject("transform").putArray("p").add(x).add(1.0).add(-1.0);
    ObjectNode f = c.frame("object", room, p);
    c.send(f);
    return c.replyTo(f);
  }

  @Test
  void aHeadsetMovesAHeldObjectLiveAndItsReleaseIsDurable() {
    String room = "room:xr-obj-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    try (WsClient mover = WsClient.connect(node.wsUrl());
        WsClient watcher = WsClient.connect(node.wsUrl())) {
      String moverId = joinXr(mover, token, room, "quest");
      joinXr(watcher, token, room, null);
      assertEquals(1, object(mover, room, "spawn", 0).at("/payload/seq").asLong());
      assertEquals(2, object(mover, room, "grab", 0).at("/payload/seq").asLong());
      for (int i = 1; i <= 30; i++) {
        JsonNode ok = object(mover, room, "move", i / 10.0);
        assertEquals("ok", ok.path("type").asText());
        assertFalse(ok.at("/payload").has("seq"), "a live move takes no seq");
      }
      JsonNode live =
          watcher.await(
              f ->
                  "poses".equals(f.path("type").asText())
                      && f.at("/payload/objects/cube/transform/p/0").asDouble() == 3.0,
              Duration.ofSeconds(10));
      assertEquals(moverId, live.at("/payload/objects/cube/heldBy").asText());
      JsonNode released = object(mover, room, "release", 3.0);
      assertEquals(3, released.at("/payload/seq").asLong(), "moves took no seqs");
      JsonNode delta =
          watcher.await(
              f -> "delta".equals(f.path("type").asText()) && f.at("/payload/seq").asLong() == 3,
              Duration.ofSeconds(10));
      assertEquals(3.0, delta.at("/payload/objects/cube/transform/p/0").asDouble());
      assertTrue(delta.at("/payload/objects/cube/heldBy").isMissingNode());
      // a late joiner sees the final transform
      try (WsClient late = WsClient.connect(node.wsUrl())) {
        late.hello(token);
        JsonNode snap = late.join(room, "viewer");
        assertEquals(3.0, snap.at("/payload/state/objects/cube/transform/p/0").asDouble());
      }
    }
  }

  @Test
  void aHeadsetThatReconnectsWithinTheGracePeriodGetsItsHoldBack() {
    String room = "room:xr-grace-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("ann", "room:*:write");
    try (WsClient watcher = WsClient.connect(node.wsUrl())) {
      joinXr(watcher, node.token("bob", "room:*:write"), room, null);
      WsClient first = WsClient.connect(node.wsUrl());
      String firstId = joinXr(first, token, room, "quest-1");
      object(first, room, "spawn", 0);
      object(first, room, "grab", 0);
      first.close();
      // the same principal on the same device, on a new connection, within the grace period
      try (WsClient again = WsClient.connect(node.wsUrl())) {
        String againId = joinXr(again, token, room, "quest-1");
        JsonNode handedOver =
            watcher.await(
                f ->
                    "delta".equals(f.path("type").asText())
                        && f.at("/payload/objects/cube/heldBy").asText().equals(againId),
                Duration.ofSeconds(10));
        assertEquals(againId, handedOver.at("/payload/by").asText());
        assertFalse(firstId.equals(againId));
        // it holds it: it may move and release it
        assertEquals("ok", object(again, room, "move", 2).path("type").asText());
        assertEquals("ok", object(again, room, "release", 2).path("type").asText());
      }
    }
  }

  @Test
  void afterTheGracePeriodTheHoldOfAGoneHeadsetIsReleased() {
    String room = "room:xr-gone-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("ann", "room:*:write");
    try (WsClient watcher = WsClient.connect(node.wsUrl())) {
      joinXr(watcher, node.token("bob", "room:*:write"), room, null);
      WsClient headset = WsClient.connect(node.wsUrl());
      String id = joinXr(headset, token, room, "quest-2");
      object(headset, room, "spawn", 0);
      object(headset, room, "grab", 0);
      watcher.drain();
      long closedAt = System.nanoTime();
      headset.close();
      JsonNode released =
          watcher.await(
              f ->
                  "delta".equals(f.path("type").asText())
                      && f.at("/payload/objects/cube").isObject()
                      && f.at("/payload/objects/cube/heldBy").isMissingNode(),
              Duration.ofSeconds(10));
      long waitedMs = (System.nanoTime() - closedAt) / 1_000_000;
      assertEquals(id, released.at("/payload/by").asText(), "by the former holder");
      assertTrue(waitedMs >= 1000, "kept through the grace period, released after " + waitedMs);
      // a reconnect now gets nothing back
      try (WsClient late = WsClient.connect(node.wsUrl())) {
        joinXr(late, token, room, "quest-2");
        JsonNode refused = object(late, room, "move", 1);
        assertEquals("not_owner", refused.at("/payload/code").asText());
      }
    }
  }

  private static JsonNode settings(WsClient c, String room, Object tickHz) {
    ObjectNode p = WsClient.payload();
    p.set("tickHz", WsClient.JSON.valueToTree(tickHz));
    ObjectNode f = c.frame("settings", room, p);
    c.send(f);
    return c.replyTo(f);
  }

  @Test
  void aRoomTicksAtTheRateItsEditorChose() throws Exception {
    String room = "room:xr-hz-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
    try (WsClient headset = WsClient.connect(node.wsUrl());
        WsClient receiver = WsClient.connect(node.wsUrl());
        WsClient viewer = WsClient.connect(node.wsUrl())) {
      String headsetId = joinXr(headset, token, room, null);
      JsonNode first = receiver.hello(token);
      JsonNode snapshot = receiver.join(room, "editor");
      assertEquals(20, snapshot.at("/payload/settings/tickHz").asInt(), "the node's default");
      viewer.hello(token);
      viewer.join(room, "viewer");

      // bad input changes nothing
      assertEquals("too_big", settings(headset, room, 91).at("/payload/code").asText());
      assertEquals("bad_frame", settings(headset, room, 0).at("/payload/code").asText());
      assertEquals("bad_frame", settings(headset, room, "fast").at("/payload/code").asText());
      assertEquals("forbidden", settings(viewer, room, 60).at("/payload/code").asText());

      JsonNode ok = settings(headset, room, 60);
      assertEquals("ok", ok.path("type").asText());
      assertFalse(ok.at("/payload").has("seq"), "a setting is not a change of the shared state");
      JsonNode announced =
          receiver.await(f -> "settings".equals(f.path("type").asText()), Duration.ofSeconds(5));
      assertEquals(room, announced.path("session").asText());
      assertEquals(60, announced.at("/payload/tickHz").asInt());
      assertEquals(headsetId, announced.at("/payload/by").asText());
      viewer.await(f -> "settings".equals(f.path("type").asText()), Duration.ofSeconds(5));
      assertFalse(first.isMissingNode());

      // a late joiner's snapshot has it, and so does the HTTP summary
      try (WsClient late = WsClient.connect(node.wsUrl())) {
        late.hello(token);
        assertEquals(60, late.join(room, "viewer").at("/payload/settings/tickHz").asInt());
      }
      var http = java.net.http.HttpClient.newHttpClient();
      var summary =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(node.httpUrl() + "/v1/sessions/" + room))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertEquals(200, summary.statusCode(), summary.body());
      assertEquals(60, WsClient.JSON.readTree(summary.body()).path("tickHz").asInt());

      // a 90 Hz headset: the receiver now gets far more than a 20 Hz room's frames a second
      receiver.drain();
      int rounds = 180; // 2 s at 90 Hz
      double seconds =
          at90Hz(sender, rounds, k -> headset.send(pose(headset, room, k, 0, -k / 100.0, AHEAD)));
      int frames = 0;
      double latest = 0;
      while (latest < rounds) {
        JsonNode f =
            receiver.await(x -> "poses".equals(x.path("type").asText()), Duration.ofSeconds(10));
        frames++;
        latest = f.at("/payload/poses/" + headsetId.replace("/", "~1") + "/t").asDouble();
      }
      double perSecond = frames / seconds;
      assertTrue(perSecond > 30, "a 60 Hz room, frames per second " + perSecond);
      assertTrue(perSecond <= 66, "never more than the tick, frames per second " + perSecond);
    } finally {
      sender.shutdownNow();
    }
  }
}
