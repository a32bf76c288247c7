package io.tandem.node.ws;

import static org.awaitility.Awaitility.await;
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
import org.junit.jupiter.api.Test;

/**
 * Issue 18, findings 6 and 11, on a real node: the member places kept for editors cannot be taken
 * by one read-only principal, and frames under the frame limit but over the byte rate get {@code
 * rate_limited} and change nothing until the bucket refills.
 */
class SlotsAndByteRateTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  SlotsAndByteRateTest() {
    super(
        "tandem.room.max-members = 20",
        "tandem.room.editor-slots = 2",
        "tandem.ws.max-frame-bytes = 8192",
        "tandem.map.max-value-bytes = 4096",
        "tandem.ws.max-bytes-per-second = 8192",
        "tandem.ws.burst-bytes = 16384");
  }

  private static String room() {
    return "room:s-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private WsClient client(String principal, String scope) {
    WsClient c = WsClient.connect(node.wsUrl(), "tandem.v1.json");
    c.hello(node.token(principal, scope));
    return c;
  }

  @Test
  void oneReadOnlyPrincipalCannotTakeThePlacesKeptForEditors() {
    String room = room();
    List<WsClient> open = new ArrayList<>();
    try {
      // 20 places, the last 2 kept for editors: the squatter's viewers get 18
      for (int i = 0; i < 18; i++) {
        WsClient viewer = client("squatter", "room:*:read");
        open.add(viewer);
        assertEquals("snapshot", viewer.join(room, "viewer").path("type").asText(), "viewer " + i);
      }
      WsClient nineteenth = client("squatter", "room:*:read");
      open.add(nineteenth);
      JsonNode refused = nineteenth.join(room, "viewer");
      assertEquals("conflict", refused.at("/payload/code").asText(), refused.toString());
      assertTrue(
          refused.at("/payload/message").asText().contains("kept for editors"), refused.toString());
      // another read-only principal is refused the same way: the places are for editors
      WsClient other = client("other-viewer", "room:*:read");
      open.add(other);
      assertEquals("conflict", other.join(room, "viewer").at("/payload/code").asText());
      // editors still get in, up to the room's size
      for (int i = 0; i < 2; i++) {
        WsClient editor = client("editor-" + i, "room:*:write");
        open.add(editor);
        assertEquals("snapshot", editor.join(room, "editor").path("type").asText(), "editor " + i);
      }
      WsClient late = client("editor-late", "room:*:write");
      open.add(late);
      assertEquals("conflict", late.join(room, "editor").at("/payload/code").asText());
    } finally {
      open.forEach(WsClient::close);
    }
  }

  @Test
  void framesUnderTheFrameLimitButOverTheByteRateAreRateLimitedAndChangeNothing() {
    String room = room();
    try (WsClient c = client("bytes", "room:*:write")) {
      c.join(room, "editor");
      // eight frames of about 6 KB each (under the 8 KiB frame limit), sent at once: 48 KB against
      // a burst of 16 KiB and 8 KiB/s
      String big = "x".repeat(6000);
      List<ObjectNode> sent = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ObjectNode f = c.setFrame(room, "k" + i, big, null);
        sent.add(f);
        c.send(f);
      }
      int ok = 0;
      int limited = 0;
      List<String> accepted = new ArrayList<>();
      for (int i = 0; i < sent.size(); i++) {
        JsonNode reply = c.replyTo(sent.get(i));
        String type = reply.path("type").asText();
        if (type.equals("ok")) {
          ok++;
          accepted.add("k" + i);
          assertEquals(ok, reply.at("/payload/seq").asLong(), "only accepted frames take a seq");
        } else {
          assertEquals("rate_limited", reply.at("/payload/code").asText(), reply.toString());
          assertTrue(reply.at("/payload/message").asText().contains("bytes per second"));
          limited++;
        }
      }
      assertTrue(ok >= 1 && limited >= 1, "ok " + ok + ", rate_limited " + limited);
      // the refused frames changed nothing: the document holds exactly the accepted keys
      try (WsClient reader = client("reader", "room:*:read")) {
        JsonNode snapshot = reader.join(room, "viewer").path("payload");
        assertEquals(ok, snapshot.path("seq").asLong());
        java.util.Set<String> keys = new java.util.TreeSet<>();
        snapshot.at("/state/doc").fieldNames().forEachRemaining(keys::add);
        assertEquals(new java.util.TreeSet<>(accepted), keys);
      }
      // throttled, not closed: once the bucket refilled, frames are taken again
      int after = ok;
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> c.set(room, "again", 1).path("type").asText().equals("ok"));
      assertTrue(c.set(room, "small", 2).at("/payload/seq").asLong() > after);
    }
  }
}
