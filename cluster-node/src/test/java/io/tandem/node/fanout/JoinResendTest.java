package io.tandem.node.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A hub's rejoin that is lost (here: it reaches the stopping incarnation's mailbox, as one that
 * reaches a shard in hand-off is dropped) is sent again after {@code join-resend-interval}, not
 * after the whole join timeout (the 20 s ask timeout here): the member's changes are accepted again
 * within seconds. Without the resend the room answers not_joined ("moving to another node") until
 * the timeout.
 */
class JoinResendTest extends OneNodeTest {
  private static final Duration BACK_WITHIN = Duration.ofSeconds(8);

  JoinResendTest() {
    super(
        "tandem.http.ask-timeout = 20s",
        "tandem.cluster.join-resend-interval = 500ms",
        "tandem.ws.max-frames-per-second = 10000");
  }

  @Test
  void aMemberIsBackSoonAfterItsRoomsEntityStopped() {
    assertBackSoonAfterTheEntityStopped(node, BACK_WITHIN);
  }

  /**
   * Joins a writer, stops its room's entity, and sends the same keyed change until it is accepted
   * within {@code within}.
   */
  static void assertBackSoonAfterTheEntityStopped(TestNode node, Duration within) {
    String room = "room:r-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient writer = WsClient.connect(node.wsUrl())) {
      writer.hello(node.token("writer", "room:*:write"));
      writer.join(room, "editor");
      assertEquals("ok", writer.replyTo(sent(writer, room, "first")).path("type").asText());
      new SessionEntities(node.system())
          .entity(SessionId.parse(room))
          .tell(SessionCommand.Stop.INSTANCE);
      // the same keyed change, sent again after each refusal or a second without an answer (the
      // first copies may reach the stopping incarnation and get none), as a client does
      long deadline = System.nanoTime() + within.toNanos();
      java.util.Set<Long> refs = new java.util.HashSet<>();
      JsonNode answer = null;
      int refused = 0;
      while (System.nanoTime() < deadline) {
        refs.add(sent(writer, room, "second").get("ref").asLong());
        long waitUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        JsonNode got = null;
        while (got == null && System.nanoTime() < waitUntil) {
          JsonNode f = writer.poll(Duration.ofNanos(Math.max(1, waitUntil - System.nanoTime())));
          if (f != null && refs.contains(f.path("ref").asLong(-1))) {
            got = f;
          }
        }
        if (got == null) {
          continue;
        }
        answer = got;
        if ("ok".equals(answer.path("type").asText())) {
          break;
        }
        refused++;
        assertEquals("unavailable", answer.at("/payload/code").asText(), answer.toString());
      }
      assertTrue(
          answer != null && "ok".equals(answer.path("type").asText()),
          "not accepted within " + within + " after " + refused + " refusals: " + answer);
    }
  }

  private static com.fasterxml.jackson.databind.node.ObjectNode sent(
      WsClient writer, String room, String value) {
    var frame = writer.setFrame(room, "v", value, "key-" + value);
    writer.send(frame);
    return frame;
  }
}
