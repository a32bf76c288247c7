package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.fanout.OutFrame;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.Snapshot;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pure parts of the edge's limits: byte rate, origin allow-list, unencodable frames. */
class EdgeLimitsTest {

  @Test
  void theByteBucketLetsABurstThroughThenTheSustainedRate() {
    long second = 1_000_000_000L;
    ByteRate rate = new ByteRate(1000, 4000, 0);
    assertTrue(rate.take(4000, 0), "a full burst");
    assertFalse(rate.take(1, 0), "then nothing");
    assertFalse(rate.take(1500, second), "a refused frame takes nothing");
    assertTrue(rate.take(1000, second), "a second refills the rate");
    assertTrue(rate.take(2000, 3 * second));
    assertFalse(rate.take(4001, 100 * second), "never more than the burst");
  }

  @Test
  void originsAreTheNodesOwnOrLoopbackInDevModeOrTheConfiguredList() {
    OriginCheck prod = new OriginCheck(List.of(), false);
    Optional<String> host = Optional.of("tandem.example:8080");
    assertTrue(prod.refusal(Optional.empty(), host).isEmpty(), "no Origin: not a browser");
    assertTrue(prod.refusal(Optional.of("http://tandem.example:8080"), host).isEmpty());
    assertTrue(prod.refusal(Optional.of("HTTP://Tandem.Example:8080/"), host).isEmpty());
    assertTrue(
        prod.refusal(Optional.of("https://tandem.example"), Optional.of("tandem.example"))
            .isEmpty());
    assertTrue(prod.refusal(Optional.of("http://evil.example"), host).isPresent());
    assertTrue(prod.refusal(Optional.of("null"), host).isPresent());
    assertTrue(prod.refusal(Optional.of("http://localhost:5173"), host).isPresent());
    assertTrue(prod.refusal(Optional.of("file://x"), host).isPresent());

    OriginCheck dev = new OriginCheck(List.of(), true);
    assertTrue(dev.refusal(Optional.of("http://localhost:5173"), host).isEmpty());
    assertTrue(dev.refusal(Optional.of("http://127.0.0.1:9"), host).isEmpty());
    assertTrue(dev.refusal(Optional.of("http://[::1]:9"), host).isEmpty());
    assertTrue(dev.refusal(Optional.of("null"), host).isPresent());

    OriginCheck listed = new OriginCheck(List.of("https://app.example"), false);
    assertTrue(listed.refusal(Optional.of("https://app.example"), host).isEmpty());
    assertTrue(
        listed.refusal(Optional.of("http://tandem.example:8080"), host).isPresent(),
        "with a list, a Host-matching origin (DNS rebinding) is not enough");
  }

  @Test
  void aFrameThatCannotBeEncodedBecomesErrorInternalWithItsRef() {
    ObjectNode deep = JsonNodeFactory.instance.objectNode();
    ObjectNode at = deep;
    for (int i = 0; i < 2000; i++) {
      at = at.putObject("k");
    }
    Snapshot snapshot = new Snapshot(9L, SessionId.room("r"), 1, "e", deep, Map.of(), false, null);
    FrameCodec codec = FrameCodec.create(262_144);
    OutFrame out = new OutFrame(snapshot);
    String json = out.message(Encoding.JSON, codec).asTextMessage().getStrictText();
    assertTrue(json.contains("\"type\":\"error\""), json);
    assertTrue(json.contains("\"code\":\"internal\""), json);
    assertTrue(json.contains("\"ref\":9"), json);
    assertTrue(json.contains("\"session\":\"room:r\""), json);
    assertTrue(out.message(Encoding.CBOR, codec).isText() == false);
  }
}
