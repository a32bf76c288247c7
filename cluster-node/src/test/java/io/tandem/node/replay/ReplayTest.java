package io.tandem.node.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Replay of persisted sessions (protocol 4.4) from the real Cassandra journal. */
class ReplayTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int OPS = 30;

  /** A room with OPS acknowledged changes (n = 1..OPS); returns its session id. */
  private String roomWithHistory() {
    String room = "room:replay-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient editor = WsClient.connect(node.wsUrl())) {
      editor.hello(node.token("ed", "room:*:write"));
      editor.join(room, "editor");
      for (int i = 1; i <= OPS; i++) {
        assertEquals(i, editor.set(room, "n", i).at("/payload/seq").asLong());
      }
    }
    return room;
  }

  private WsClient reader() {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token("viewer", "room:*:read recording:*:read"));
    return c;
  }

  private static ObjectNode replay(WsClient c, String session, double speed) {
    ObjectNode f =
        c.frame("replay", session, WsClient.payload().put("from", 1).put("speed", speed));
    c.send(f);
    return f;
  }

  /** Items from replay.events frames up to replay.end; returns them and checks the end's seq. */
  private static List<JsonNode> itemsUntilEnd(WsClient c, long expectedEnd) {
    List<JsonNode> items = new ArrayList<>();
    while (true) {
      JsonNode f =
          c.await(
              x ->
                  x.path("type").asText().equals("replay.events")
                      || x.path("type").asText().equals("replay.end"),
              WAIT);
      if (f.path("type").asText().equals("replay.end")) {
        assertEquals(expectedEnd, f.at("/payload/seq").asLong(), f + " after " + items);
        return items;
      }
      f.at("/payload/items").forEach(items::add);
    }
  }

  @Test
  void aReplayAtSpeedZeroYieldsExactlyTheJournalInOrder() {
    String room = roomWithHistory();
    try (WsClient c = reader()) {
      ObjectNode request = replay(c, room, 0);
      JsonNode ok = c.next(WAIT);
      assertEquals("ok", ok.path("type").asText(), "the reply comes before any item");
      assertEquals(request.get("ref").asLong(), ok.path("ref").asLong());
      List<JsonNode> items = itemsUntilEnd(c, OPS);
      assertEquals(OPS, items.size());
      for (int i = 0; i < OPS; i++) {
        JsonNode item = items.get(i);
        assertEquals(i + 1, item.get("seq").asLong());
        assertEquals("delta", item.at("/frame/type").asText());
        assertEquals(room, item.at("/frame/session").asText());
        assertEquals(i + 1, item.at("/frame/payload/ops/0/value").asInt());
        assertEquals(item.get("ts").asLong(), item.at("/frame/payload/ts").asLong());
      }
    }
  }

  @Test
  void atSpeedTwoTheServerSchedulesHalfTheOriginalTime() {
    String room = roomWithHistory();
    try (WsClient c = reader()) {
      replay(c, room, 2.0);
      List<JsonNode> items = itemsUntilEnd(c, OPS);
      List<Long> schedule = node.node().replays().lastPacer(SessionId.parse(room)).schedule();
      assertEquals(OPS, schedule.size());
      long t0 = items.get(0).get("ts").asLong();
      for (int i = 0; i < OPS; i++) {
        long original = items.get(i).get("ts").asLong() - t0;
        assertEquals(original / 2.0, schedule.get(i), 1.0, "item " + i + " is due at half time");
      }
      long span = items.get(OPS - 1).get("ts").asLong() - t0;
      assertTrue(span > 0, "the history has a duration");
    }
  }

  @Test
  void seekPauseResumeAndSpeedControlARunningReplay() {
    String room = roomWithHistory();
    try (WsClient c = reader()) {
      // slow motion: the first item is due at once, the next ones practically never
      replay(c, room, 0.00001);
      assertEquals("ok", c.next(WAIT).path("type").asText());
      JsonNode first = c.await(x -> x.path("type").asText().equals("replay.events"), WAIT);
      assertEquals(1, first.at("/payload/items/0/seq").asLong());

      ObjectNode seek = c.frame("replay.seek", room, WsClient.payload().put("seq", 25));
      c.send(seek);
      assertEquals("ok", c.replyTo(seek).path("type").asText());
      JsonNode afterSeek = c.await(x -> x.path("type").asText().equals("replay.events"), WAIT);
      assertEquals(25, afterSeek.at("/payload/items/0/seq").asLong(), "it continues at the seek");

      ObjectNode pause = c.frame("replay.pause", room, WsClient.payload());
      c.send(pause);
      assertEquals("ok", c.replyTo(pause).path("type").asText());
      ObjectNode fast = c.frame("replay.speed", room, WsClient.payload().put("speed", 0));
      c.send(fast);
      assertEquals("ok", c.replyTo(fast).path("type").asText());
      assertTrue(node.node().replays().lastPacer(SessionId.parse(room)).isPaused());
      ObjectNode ping = c.frame("ping", null, WsClient.payload().put("t", 1));
      c.send(ping);
      c.replyTo(ping);
      assertFalse(
          c.drain().stream().anyMatch(x -> x.path("type").asText().equals("replay.events")),
          "nothing plays while paused");

      ObjectNode resume = c.frame("replay.resume", room, WsClient.payload());
      c.send(resume);
      assertEquals("ok", c.replyTo(resume).path("type").asText());
      List<JsonNode> rest = itemsUntilEnd(c, OPS);
      assertEquals(26, rest.get(0).get("seq").asLong());
      assertEquals(OPS, rest.get(rest.size() - 1).get("seq").asLong());
    }
  }

  @Test
  void aReplayNeedsTheReadGrantAndAnExistingSessionAndChangesNothing() {
    String room = roomWithHistory();
    try (WsClient stranger = WsClient.connect(node.wsUrl())) {
      stranger.hello(node.token("s", "room:elsewhere:read"));
      ObjectNode f = replay(stranger, room, 0);
      assertEquals("forbidden", stranger.replyTo(f).at("/payload/code").asText());
    }
    try (WsClient c = reader()) {
      ObjectNode none = replay(c, "room:never-" + UUID.randomUUID(), 0);
      assertEquals("not_found", c.replyTo(none).at("/payload/code").asText());
      ObjectNode noReplay = c.frame("replay.pause", room, WsClient.payload());
      c.send(noReplay);
      assertEquals("not_found", c.replyTo(noReplay).at("/payload/code").asText());
      replay(c, room, 0);
      itemsUntilEnd(c, OPS);
    }
    try (WsClient editor = WsClient.connect(node.wsUrl())) {
      editor.hello(node.token("ed", "room:*:write"));
      JsonNode snap = editor.join(room, "viewer");
      assertEquals(OPS, snap.at("/payload/seq").asLong(), "the replays changed nothing");
    }
  }
}
