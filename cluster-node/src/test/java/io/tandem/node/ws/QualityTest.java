package io.tandem.node.ws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The level-of-detail recommendation ({@code quality}, a Tandem addition): an XR client that stops
 * reading while its room is busy is told {@code low} (ahead of the backlog) when it reads again,
 * and {@code high} once it has kept up for the raise delay.
 */
class QualityTest extends OneNodeTest {

  QualityTest() {
    super(
        "tandem.xr.lower-lod-after = 300ms",
        "tandem.xr.raise-lod-after = 1s",
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000");
  }

  @Test
  void aHeadsetThatStopsReadingIsToldLowThenHighAfterItRecovers() {
    String room = "room:quality-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient headset = WsClient.connect(node.wsUrl())) {
      writer.hello(token);
      writer.join(room, "editor");
      XrWebSocketTest.joinXr(headset, token, room, null);
      headset.pause();
      floodUntilLowered(node, writer, room);
      headset.resume();
      JsonNode low =
          headset.skipTo(f -> "quality".equals(f.path("type").asText()), Duration.ofSeconds(60));
      assertEquals("low", low.at("/payload/lod").asText());
      assertTrue(low.at("/payload/queueDelayMs").asLong() >= 300, low.at("/payload").toString());
      // it reads on and keeps up: raised again after the raise delay
      JsonNode high =
          headset.skipTo(f -> "quality".equals(f.path("type").asText()), Duration.ofSeconds(30));
      assertEquals("high", high.at("/payload/lod").asText());
    }
  }

  /**
   * Sends 8 KiB edits to {@code room} until the node lowered some connection's level of detail (a
   * paused reader's outbound queue waited past the lowering delay: the socket's buffers fill first,
   * then frames wait in the queue), then one more edit and its ok: every change was applied.
   */
  static void floodUntilLowered(TestNode node, WsClient writer, String room) {
    long lowered = node.node().outbound().lodLowered();
    String filler = "x".repeat(8192);
    int[] sent = {0};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              for (int i = 0; i < 50 && sent[0] < 20_000; i++) {
                ObjectNode p = WsClient.payload();
                p.putArray("ops")
                    .addObject()
                    .put("op", "set")
                    .put("path", "blob")
                    .put("value", ++sent[0] + filler);
                writer.send(writer.frame("op", room, p));
              }
              return node.node().outbound().lodLowered() > lowered;
            });
    writer.set(room, "done", true);
  }
}
