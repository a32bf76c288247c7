package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Every connection limit, crossed on a node configured with small ones. */
class ConnectionLimitsTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  ConnectionLimitsTest() {
    super(
        "tandem.ws.hello-timeout = 1s",
        "tandem.ws.heartbeat = 1s",
        "tandem.ws.max-frames-per-second = 5",
        "tandem.ws.burst-frames = 5",
        "tandem.ws.rate-limit-close-after = 1500ms",
        "tandem.ws.max-frame-bytes = 2048",
        // a map value must fit a frame: the map limit follows the small frames here
        "tandem.map.max-value-bytes = 256",
        "tandem.ws.close-frame-bytes = 65536",
        "tandem.ws.max-sessions-per-connection = 2",
        "tandem.room.max-members = 2",
        "tandem.room.max-presence-bytes = 64");
  }

  private static String room() {
    return "room:l-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private WsClient client(String name) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token(name, "room:*:write"));
    return c;
  }

  @Test
  void noHelloWithinTheTimeoutCloses4408() {
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      assertEquals(4408, c.awaitClose(WAIT));
    }
  }

  @Test
  void aSilentConnectionIsClosedAfterThreeHeartbeatsWith1001() {
    try (WsClient c = client("quiet")) {
      assertEquals(1001, c.awaitClose(WAIT));
    }
  }

  @Test
  void framesOverTheRateGetRateLimitedAndALongFloodCloses4429() {
    try (WsClient c = client("flood")) {
      int limited = 0;
      for (int i = 0; i < 12; i++) {
        c.send(c.frame("ping", null, WsClient.payload().put("t", i)));
      }
      for (int i = 0; i < 12; i++) {
        JsonNode f = c.next(WAIT);
        if ("rate_limited".equals(f.at("/payload/code").asText())) {
          limited++;
        }
      }
      assertTrue(limited >= 5, "frames beyond the burst are refused, got " + limited);
      // keep flooding past rate-limit-close-after
      long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (!c.isClosed() && System.nanoTime() < until) {
        try {
          c.send(c.frame("ping", null, WsClient.payload().put("t", 0)));
        } catch (IllegalStateException closedMeanwhile) {
          break; // the server closed between the check and the send: what the flood is for
        }
      }
      assertEquals(4429, c.awaitClose(WAIT));
    }
  }

  @Test
  void aConnectionJoinsAtMostTheConfiguredSessions() {
    try (WsClient c = client("greedy")) {
      c.join(room(), "editor");
      c.join(room(), "editor");
      JsonNode third = c.join(room(), "editor");
      assertEquals("conflict", third.at("/payload/code").asText());
      assertTrue(third.at("/payload/message").asText().contains("at most 2"));
    }
  }

  @Test
  void aRoomHoldsAtMostTheConfiguredMembers() {
    String room = room();
    try (WsClient a = client("a");
        WsClient b = client("b");
        WsClient c = client("c")) {
      a.join(room, "editor");
      b.join(room, "editor");
      assertEquals("conflict", c.join(room, "editor").at("/payload/code").asText());
      b.close();
      // b's departure frees a place (the entity learns of it asynchronously)
      org.awaitility.Awaitility.await()
          .atMost(WAIT)
          .until(() -> "snapshot".equals(c.join(room, "editor").path("type").asText()));
    }
  }

  @Test
  void oversizedPresenceIsRefusedWithTooBig() {
    String room = room();
    try (WsClient a = client("a")) {
      a.join(room, "editor");
      ObjectNode big = a.frame("presence", room, WsClient.payload().put("name", "x".repeat(100)));
      a.send(big);
      assertEquals("too_big", a.replyTo(big).at("/payload/code").asText());
    }
  }

  @Test
  void aFrameOverTheReadLimitCloses1009AndOneOverTheFrameLimitOnlyGetsTooBig() {
    try (WsClient c = client("big")) {
      c.sendRaw(
          "{\"version\":1,\"type\":\"ping\",\"payload\":{\"t\":\"" + "y".repeat(4000) + "\"}}");
      assertEquals("too_big", c.next(WAIT).at("/payload/code").asText());
      assertFalse(c.isClosed());
      c.sendRaw("z".repeat(200_000));
      assertEquals(1009, c.awaitClose(WAIT));
    }
  }

  @Test
  void anUnknownSubprotocolIsRefusedAtTheHandshake() {
    var error =
        assertThrows(
            java.util.concurrent.CompletionException.class,
            () -> WsClient.connect(node.wsUrl(), "chat.v2"));
    var handshake =
        assertInstanceOf(java.net.http.WebSocketHandshakeException.class, error.getCause());
    assertEquals(400, handshake.getResponse().statusCode());
  }
}
