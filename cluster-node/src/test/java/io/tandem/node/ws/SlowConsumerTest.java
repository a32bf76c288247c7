package io.tandem.node.ws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Protocol section 6: a client that stops reading does not slow the others down, the memory the
 * node holds for it stays within the outbound bound, and when it reads again it gets {@code resync}
 * and a fresh snapshot instead of the backlog.
 */
class SlowConsumerTest extends OneNodeTest {
  private static final int MAX_BYTES = 512 * 1024;
  private static final int OPS = 3000;

  SlowConsumerTest() {
    super(
        "tandem.ws.outbound-max-frames = 1024",
        "tandem.ws.outbound-max-bytes = " + MAX_BYTES,
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000",
        // the writer floods faster than the default byte bucket allows
        "tandem.ws.max-bytes-per-second = 64MiB",
        "tandem.ws.burst-bytes = 64MiB");
  }

  @Test
  void aClientThatStopsReadingDoesNotSlowOthersAndGetsResyncAndASnapshot() {
    String room = "room:slow-" + System.nanoTime();
    String token = node.token("user", "room:*:write");
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient reader = WsClient.connect(node.wsUrl());
        WsClient slow = WsClient.connect(node.wsUrl())) {
      writer.hello(token);
      reader.hello(token);
      slow.hello(token);
      writer.join(room, "editor");
      reader.join(room, "viewer");
      slow.join(room, "viewer");
      slow.pause();

      String filler = "x".repeat(4096);
      AtomicLong maxQueued = new AtomicLong();
      for (int i = 1; i <= OPS; i++) {
        ObjectNode p = WsClient.payload();
        p.putArray("ops").addObject().put("op", "set").put("path", "blob").put("value", i + filler);
        writer.send(writer.frame("op", room, p));
        maxQueued.accumulateAndGet(node.node().outbound().queuedDurableBytes(), Math::max);
      }
      // the reader that keeps up sees every change while the slow one is stuck
      JsonNode last =
          reader.await(
              f -> f.path("type").asText().equals("delta") && f.at("/payload/seq").asLong() == OPS,
              Duration.ofSeconds(60));
      assertTrue(last.at("/payload/ops/0/value").asText().startsWith(OPS + "x"));
      assertTrue(
          reader.drain().stream().noneMatch(f -> f.path("type").asText().equals("resync")),
          "the reader that keeps up was never resynced");
      assertTrue(
          node.node().outbound().droppedDurableFrames() > 0,
          "the slow client's backlog was dropped instead of kept");
      // at most one bound per connection is ever held (three connections here)
      assertTrue(
          maxQueued.get() <= 3L * (MAX_BYTES + 8192),
          "queued durable bytes " + maxQueued.get() + " stayed within the bounds");
      assertTrue(node.node().outbound().queuedDurableBytes() <= MAX_BYTES + 8192);

      long resyncsBefore = node.node().outbound().resyncs();
      slow.resume();
      JsonNode resync =
          slow.skipTo(f -> f.path("type").asText().equals("resync"), Duration.ofSeconds(30));
      assertEquals(room, resync.path("session").asText());
      JsonNode snapshot = slow.nextNonPresence(Duration.ofSeconds(30));
      assertEquals("snapshot", snapshot.path("type").asText(), "the snapshot follows the resync");
      assertEquals(OPS, snapshot.at("/payload/seq").asLong());
      assertTrue(snapshot.at("/payload/state/doc/blob").asText().startsWith(OPS + "x"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> node.node().outbound().resyncs() > resyncsBefore);

      // and it is live again: the next change arrives as a delta after the snapshot
      writer.set(room, "after", true);
      JsonNode next = slow.nextNonPresence(Duration.ofSeconds(10));
      assertEquals("delta", next.path("type").asText());
      assertEquals(OPS + 1, next.at("/payload/seq").asLong(), "no backlog after the snapshot");
    }
  }
}
