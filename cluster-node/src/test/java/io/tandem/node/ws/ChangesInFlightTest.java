package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Changes go to rooms as tagged messages, not asks: every pipelined change gets exactly its own
 * answer, also when the in-flight cap holds the socket back.
 */
class ChangesInFlightTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  ChangesInFlightTest() {
    super("tandem.ws.max-changes-in-flight = 2", "tandem.ws.max-frames-per-second = 10000");
  }

  @Test
  void everyPipelinedChangeGetsItsOwnAnswerPastTheInFlightCap() {
    String room = "room:f-" + UUID.randomUUID().toString().substring(0, 8);
    int n = 200;
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient reader = WsClient.connect(node.wsUrl())) {
      writer.hello(node.token("writer", "room:*:write"));
      reader.hello(node.token("reader", "room:*:read"));
      writer.join(room, "editor");
      reader.join(room, "viewer");
      Map<Long, Integer> valueOfRef = new HashMap<>();
      for (int i = 0; i < n; i++) {
        var frame = writer.setFrame(room, "n", i, null);
        valueOfRef.put(frame.get("ref").asLong(), i);
        writer.send(frame);
      }
      // each ok answers its own ref once; the room applied the changes in the order sent
      Map<Long, Long> seqOfRef = new HashMap<>();
      while (seqOfRef.size() < n) {
        JsonNode f = writer.await(x -> "ok".equals(x.path("type").asText()), WAIT);
        long ref = f.get("ref").asLong();
        assertTrue(valueOfRef.containsKey(ref), "an answer to a ref that was sent: " + f);
        assertEquals(null, seqOfRef.put(ref, f.at("/payload/seq").asLong()), "one answer per ref");
      }
      long first = seqOfRef.values().stream().mapToLong(Long::longValue).min().orElseThrow();
      for (var e : seqOfRef.entrySet()) {
        assertEquals(first + valueOfRef.get(e.getKey()), (long) e.getValue(), "seq follows order");
      }
      // and every member got every change
      int last = -1;
      while (last < n - 1) {
        JsonNode d = reader.await(x -> "delta".equals(x.path("type").asText()), WAIT);
        int v = d.at("/payload/ops/0/value").asInt();
        assertEquals(last + 1, v, "deltas in order, none missing");
        last = v;
      }
    }
  }
}
