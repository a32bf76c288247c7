package io.tandem.node.ws;

import static io.tandem.node.ws.ObjectDetailTest.headsetAmong;
import static io.tandem.node.ws.ObjectDetailTest.level;
import static io.tandem.node.ws.ObjectDetailTest.roomQuality;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import io.tandem.node.ws.ObjectDetailTest.At;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The ramp after a join, with a budget of two: the object at the centre of the gaze is {@code high}
 * first, the one to the side follows a raise step later. The step is long (3 s) so that the head
 * pose, sent right after the join, is in well before the first step on a busy machine.
 */
class ObjectDetailRampTest extends OneNodeTest {

  ObjectDetailRampTest() {
    super("tandem.xr.high-detail-objects = 2", "tandem.xr.lod-raise-step = 3s");
  }

  @Test
  void theObjectAtTheGazeCentreIsHighBeforeTheOneToTheSide() {
    String room = "room:ramp-" + UUID.randomUUID().toString().substring(0, 8);
    String token = node.token("h", "room:*:write");
    try (WsClient writer = WsClient.connect(node.wsUrl());
        WsClient headset = WsClient.connect(node.wsUrl())) {
      // the side object is 90 degrees to the right, and first in id order
      headsetAmong(writer, headset, token, room, new At("z-centre", 0, -3), new At("a-side", 3, 0));

      // the first recommendation with anything high has the centre only
      JsonNode first =
          headset
              .await(
                  roomQuality(
                      room,
                      p ->
                          level(p, "z-centre").equals("high") || level(p, "a-side").equals("high")),
                  Duration.ofSeconds(20))
              .at("/payload");
      assertEquals("high", level(first, "z-centre"), first.toString());
      assertEquals("low", level(first, "a-side"), "the side waits for a raise step: " + first);
      // then the other one follows, within the budget of two
      JsonNode both =
          headset
              .await(
                  roomQuality(room, p -> level(p, "a-side").equals("high")), Duration.ofSeconds(20))
              .at("/payload");
      assertEquals("high", level(both, "z-centre"), both.toString());
    }
  }
}
