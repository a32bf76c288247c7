package io.tandem.node.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A map publisher's puts have a byte bucket of their own ({@code
 * tandem.map.publisher-max-bytes-per-second}): past the connection's bucket they still pass, past
 * their own they are refused with {@code rate_limited}; puts of a connection that does not publish
 * the map count against the connection's bucket as every other frame does.
 */
class MapPublisherBudgetTest extends OneNodeTest {
  private static final String VALUE = "x".repeat(30_000);

  MapPublisherBudgetTest() {
    super(
        "tandem.ws.max-frame-bytes = 65536",
        // the connection's bucket: 64 KiB a second, 64 KiB at once
        "tandem.ws.max-bytes-per-second = 65536",
        "tandem.ws.burst-bytes = 65536",
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000",
        "tandem.map.part-bytes = 60000",
        "tandem.map.max-value-bytes = 40000",
        // the publisher's: 256 KiB a second, 2 MiB at once
        "tandem.map.publisher-max-bytes-per-second = 262144",
        "tandem.map.publisher-burst-bytes = 2097152");
  }

  private WsClient client(String sub, String scope) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token(sub, scope));
    return c;
  }

  /**
   * Sends {@code n} ephemeral puts of about 30 KB at once; their replies' codes ("ok" or error).
   */
  private static List<String> burst(WsClient c, String map, int n) {
    List<ObjectNode> sent = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ObjectNode p = WsClient.payload().put("durable", false);
      p.putObject("entries").put("k/" + i, VALUE);
      ObjectNode f = c.frame("put", map, p);
      c.send(f);
      sent.add(f);
    }
    List<String> codes = new ArrayList<>();
    for (ObjectNode f : sent) {
      JsonNode reply = c.replyTo(f);
      codes.add(
          "ok".equals(reply.path("type").asText())
              ? "ok"
              : reply.at("/payload/code").asText() + ": " + reply.at("/payload/message").asText());
    }
    return codes;
  }

  @Test
  void aPublishersPutsHaveTheirOwnByteBucket() {
    String map = "map:b-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient pub = client("producer", "map:*:publish");
        WsClient viewer = client("viewer", "map:*:read")) {
      assertEquals("snapshot", pub.join(map, "publisher").path("type").asText());
      assertEquals("snapshot", viewer.join(map, "viewer").path("type").asText());

      // 1 MB at once: sixteen times the connection's bucket, within the publisher's
      List<String> first = burst(pub, map, 32);
      assertTrue(first.stream().allMatch("ok"::equals), first.toString());

      // 4 MB more at once: past the publisher's bucket (2 MiB, refilling 256 KiB a second)
      List<String> second = burst(pub, map, 128);
      long refused =
          second.stream().filter(c -> c.startsWith("rate_limited: a publisher's puts")).count();
      assertTrue(refused > 0, second.toString());
      assertEquals(
          second.size(),
          second.stream().filter(c -> c.equals("ok") || c.startsWith("rate_limited")).count(),
          second.toString());

      // a connection that does not publish the map: its puts count against its own bucket
      List<String> other = burst(viewer, map, 8);
      assertTrue(other.get(0).startsWith("forbidden"), other.toString());
      assertTrue(
          other.stream().anyMatch(c -> c.startsWith("rate_limited: more than 65536 bytes")),
          other.toString());
    }
  }
}
