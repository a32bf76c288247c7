package io.tandem.protocol;

import static io.tandem.protocol.Samples.ROOM;
import static io.tandem.protocol.Samples.json;
import static io.tandem.protocol.Samples.orderedLevels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code quality} in its two shapes: the connection's level (no session, as before) and the
 * per-room recommendation ({@code session} and {@code objects} in gaze order, plus {@code order}).
 */
class QualityFrameTest {
  private static final FrameCodec CODEC = FrameCodec.create(64 * 1024);

  @Test
  void connectionLevelFrameIsWrittenExactlyAsBefore() {
    assertEquals(
        "{\"version\":1,\"type\":\"quality\",\"payload\":{\"lod\":\"low\",\"reason\":\"r\","
            + "\"bytesPerSecond\":12000,\"queueDelayMs\":900}}",
        CODEC.encodeJson(new Quality("low", "r", 12_000L, 900L)));
    assertEquals(
        "{\"version\":1,\"type\":\"quality\",\"payload\":{\"lod\":\"high\"}}",
        CODEC.encodeJson(new Quality("high", null, null, null)));
  }

  @Test
  void perRoomFrameCarriesTheSessionAndObjectsInGazeOrderWithAnOrderArray() {
    Quality q =
        Quality.forRoom(ROOM, "high", orderedLevels("chair", "high", "10", "high", "2", "low"));
    assertEquals(
        "{\"version\":1,\"type\":\"quality\",\"session\":\"room:design-1\",\"payload\":"
            + "{\"lod\":\"high\",\"objects\":{\"chair\":\"high\",\"10\":\"high\",\"2\":\"low\"},"
            + "\"order\":[\"chair\",\"10\",\"2\"]}}",
        CODEC.encodeJson(q));
    for (Encoding encoding : Encoding.values()) {
      Quality back =
          (Quality)
              ((DecodeResult.Decoded<ServerFrame>)
                      CODEC.decodeServer(encoding, CODEC.encode(encoding, q)))
                  .frame();
      assertEquals(ROOM, back.session());
      assertEquals(List.of("chair", "10", "2"), List.copyOf(back.objects().keySet()), "in order");
      assertEquals(q, back);
    }
  }

  @Test
  void sessionWithoutObjectsDecodesAndObjectsWithoutSessionAreRefused() {
    JsonNode withSession =
        json(
            "{\"version\":1,\"type\":\"quality\",\"session\":\"room:a\","
                + "\"payload\":{\"lod\":\"high\"}}");
    Quality q =
        (Quality)
            ((DecodeResult.Decoded<ServerFrame>) CODEC.decodeServer(withSession.toString()))
                .frame();
    assertEquals(SessionId.room("a"), q.session());
    assertNull(q.objects());

    var noSession =
        CODEC.decodeServer(
            "{\"version\":1,\"type\":\"quality\",\"payload\":{\"lod\":\"high\","
                + "\"objects\":{\"a\":\"high\"}}}");
    assertEquals(
        ErrorCode.BAD_FRAME,
        assertInstanceOf(DecodeResult.Rejected.class, noSession).error().code());
    var badLevel =
        CODEC.decodeServer(
            "{\"version\":1,\"type\":\"quality\",\"session\":\"room:a\",\"payload\":"
                + "{\"lod\":\"high\",\"objects\":{\"a\":\"medium\"}}}");
    assertEquals(
        ErrorCode.BAD_FRAME,
        assertInstanceOf(DecodeResult.Rejected.class, badLevel).error().code());
    var badSession =
        CODEC.decodeServer(
            "{\"version\":1,\"type\":\"quality\",\"session\":\"lobby\",\"payload\":{\"lod\":\"low\"}}");
    assertEquals(
        ErrorCode.INVALID_SESSION,
        assertInstanceOf(DecodeResult.Rejected.class, badSession).error().code());
  }

  @Test
  void theRecordChecksItsLevels() {
    assertThrows(
        IllegalArgumentException.class, () -> Quality.forRoom(ROOM, "high", Map.of("a", "mid")));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Quality("high", null, null, null, null, Map.of("a", "high")));
  }
}
