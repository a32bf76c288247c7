package io.tandem.protocol;

import static io.tandem.protocol.Samples.NODES;
import static io.tandem.protocol.Samples.ROOM;
import static io.tandem.protocol.Samples.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exact JSON the codec writes, and frames as a client author would write them. */
class WireShapeTest {

  private static final FrameCodec CODEC = FrameCodec.create(64 * 1024);

  @Test
  void okLeavesOutAbsentSessionAndSeq() {
    assertEquals(
        "{\"version\":1,\"type\":\"ok\",\"ref\":7,\"payload\":{}}",
        CODEC.encodeJson(new Ok(7L, null, null)));
    assertEquals(
        "{\"version\":1,\"type\":\"ok\",\"ref\":7,\"session\":\"room:a\",\"payload\":{\"seq\":12}}",
        CODEC.encodeJson(new Ok(7L, SessionId.room("a"), 12L)));
  }

  @Test
  void deltaWritesARemovedObjectAsNullAndLeavesOutNobodyHolding() {
    Map<String, ObjectState> objects = new LinkedHashMap<>();
    objects.put("cube", null);
    objects.put(
        "ball",
        new ObjectState("ball.glb", new Transform(List.of(1.0, 2.0, 3.0), null, null), null));
    assertEquals(
        "{\"version\":1,\"type\":\"delta\",\"session\":\"room:a\",\"payload\":{\"seq\":5,"
            + "\"by\":\"u/c\",\"ts\":100,\"objects\":{\"cube\":null,\"ball\":{\"asset\":\"ball.glb\","
            + "\"transform\":{\"p\":[1.0,2.0,3.0]}}}}}",
        CODEC.encodeJson(new Delta(SessionId.room("a"), 5, "u/c", 100, null, objects)));
  }

  @Test
  void recoveredSnapshotWritesStateAsExplicitNull() {
    assertEquals(
        "{\"version\":1,\"type\":\"snapshot\",\"ref\":3,\"session\":\"room:a\",\"payload\":"
            + "{\"seq\":41,\"epoch\":\"e1\",\"state\":null,\"members\":{},\"recovered\":true}}",
        CODEC.encodeJson(new Snapshot(3L, SessionId.room("a"), 41, "e1", null, null, true)));
  }

  @Test
  void presenceWritesAMemberWhoLeftAsNullAndAMemberWithoutPresenceAsEmptyObject() {
    Map<String, MemberEntry> members = new LinkedHashMap<>();
    members.put("a/1", null);
    members.put("b/2", new MemberEntry("Bo", "browser", "editor", null));
    assertEquals(
        "{\"version\":1,\"type\":\"presence\",\"session\":\"room:a\",\"payload\":{\"members\":"
            + "{\"a/1\":null,\"b/2\":{\"name\":\"Bo\",\"kind\":\"browser\",\"role\":\"editor\","
            + "\"presence\":{}}}}}",
        CODEC.encodeJson(new PresenceChanged(SessionId.room("a"), members)));
  }

  @Test
  void errorEchoesTheRawSessionAndRef() {
    assertEquals(
        "{\"version\":1,\"type\":\"error\",\"ref\":9,\"session\":\"room:bad name\",\"payload\":"
            + "{\"code\":\"invalid_session\",\"message\":\"m\"}}",
        CODEC.encodeJson(new ErrorFrame(9L, "room:bad name", ErrorCode.INVALID_SESSION, "m")));
  }

  @Test
  void eventsWriteBytesAsBase64InJsonAndAsByteStringInCbor() throws Exception {
    Events events =
        new Events(Samples.REC, 5, List.of(), false, true, Blob.of(new byte[] {1, 2, 3}));
    assertEquals(
        "{\"version\":1,\"type\":\"events\",\"session\":\"recording:talk_2024.v2\",\"payload\":"
            + "{\"fromSeq\":5,\"events\":[],\"checkpoint\":false,\"static\":true,\"bytes\":\"AQID\"}}",
        CODEC.encodeJson(events));
    JsonNode cbor = new CBORMapper().readTree(CODEC.encode(Encoding.CBOR, events));
    assertTrue(cbor.path("payload").path("bytes").isBinary());
    assertEquals(1, cbor.path("version").asInt());
  }

  @Test
  void pingKeepsItsNumberExactly() {
    assertEquals(
        "{\"version\":1,\"type\":\"ping\",\"payload\":{\"t\":1.5}}",
        CODEC.encodeJson(new Ping(null, NODES.numberNode(1.5))));
    DecodeResult<ClientFrame> big =
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"ping\",\"ref\":1,\"payload\":{\"t\":123456789012345678901234567890}}");
    Ping ping = (Ping) ((DecodeResult.Decoded<ClientFrame>) big).frame();
    assertEquals(
        "{\"version\":1,\"type\":\"pong\",\"ref\":1,\"payload\":"
            + "{\"t\":123456789012345678901234567890,\"serverTime\":5}}",
        CODEC.encodeJson(Pong.answer(ping, 5L)));
  }

  @Test
  void helloWithoutClientDefaultsToABrowserWithNoName() {
    assertEquals(
        new DecodeResult.Decoded<>(new Hello(null, "t", new ClientInfo(null, ClientKind.BROWSER))),
        CODEC.decodeClient("{\"version\":1,\"type\":\"hello\",\"payload\":{\"token\":\"t\"}}"));
    assertEquals(
        "{\"version\":1,\"type\":\"hello\",\"payload\":{\"token\":\"t\",\"client\":{\"kind\":\"browser\"}}}",
        CODEC.encodeJson(new Hello(null, "t", null)));
  }

  @Test
  void opFromTheSpecDecodes() {
    String text =
        "{\"version\":1,\"type\":\"op\",\"ref\":4,\"session\":\"room:a\",\"payload\":{\"ops\":["
            + "{\"op\":\"set\",\"path\":\"view.timeCursor\",\"value\":12.5},"
            + "{\"op\":\"del\",\"path\":\"layout.panels.3\"}]}}";
    assertEquals(
        new DecodeResult.Decoded<>(
            new Op(
                4L,
                SessionId.room("a"),
                List.of(
                    new DocOp.Set("view.timeCursor", NODES.numberNode(12.5)),
                    new DocOp.Del("layout.panels.3")))),
        CODEC.decodeClient(text));
    assertEquals(
        text,
        CODEC.encodeJson(((DecodeResult.Decoded<ClientFrame>) CODEC.decodeClient(text)).frame()));
  }

  @Test
  void joinAndReplayGetTheirDefaults() {
    assertEquals(
        new DecodeResult.Decoded<>(new Join(null, ROOM, Role.VIEWER, null, null, null)),
        CODEC.decodeClient("{\"version\":1,\"type\":\"join\",\"session\":\"room:design-1\"}"));
    assertEquals(
        new DecodeResult.Decoded<>(new Replay(2L, ROOM, 1, null, 1.0)),
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"replay\",\"ref\":2,\"session\":\"room:design-1\",\"payload\":{}}"));
  }

  @Test
  void explicitNullOnAnOptionalKeyMeansAbsent() {
    assertEquals(
        new DecodeResult.Decoded<>(new Join(5L, ROOM, Role.VIEWER, null, null, null)),
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"join\",\"ref\":5,\"session\":\"room:design-1\",\"payload\":"
                + "{\"role\":null,\"since\":null,\"epoch\":null,\"presence\":null}}"));
  }

  @Test
  void integralFloatIsAcceptedAsInteger() {
    assertEquals(
        new DecodeResult.Decoded<>(new Join(5L, ROOM, Role.VIEWER, 3L, null, null)),
        CODEC.decodeClient(
            "{\"version\":1.0,\"type\":\"join\",\"ref\":5.0,\"session\":\"room:design-1\","
                + "\"payload\":{\"since\":3.0}}"));
  }

  @Test
  void unknownKeysAreIgnored() {
    assertEquals(
        new DecodeResult.Decoded<>(new Leave(null, ROOM)),
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"leave\",\"session\":\"room:design-1\",\"x\":[1],"
                + "\"payload\":{\"why\":\"bored\"}}"));
  }

  @Test
  void publishAcceptsBase64InJsonAndByteStringsInCbor() throws Exception {
    Publish expected =
        new Publish(1L, Samples.REC, List.of(), false, false, Blob.of(new byte[] {1, 2, 3, -1}));
    assertEquals(
        new DecodeResult.Decoded<>(expected),
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"publish\",\"ref\":1,\"session\":\"recording:talk_2024.v2\","
                + "\"payload\":{\"bytes\":\"AQID/w==\"}}"));
    // unpadded and URL-safe base64 too
    assertEquals(
        new DecodeResult.Decoded<>(expected),
        CODEC.decodeClient(
            "{\"version\":1,\"type\":\"publish\",\"ref\":1,\"session\":\"recording:talk_2024.v2\","
                + "\"payload\":{\"bytes\":\"AQID_w\"}}"));
    CBORMapper cbor = new CBORMapper();
    var root = cbor.createObjectNode().put("version", 1).put("type", "publish").put("ref", 1);
    root.put("session", "recording:talk_2024.v2");
    root.putObject("payload").put("bytes", new byte[] {1, 2, 3, -1});
    assertEquals(
        new DecodeResult.Decoded<>(expected),
        CODEC.decodeClient(Encoding.CBOR, cbor.writeValueAsBytes(root)));
  }

  @Test
  void docPathSegments() {
    assertEquals(List.of("layout", "panels", "3"), DocOp.segments("layout.panels.3"));
    assertEquals(List.of("a"), DocOp.segments("a"));
    for (String bad : new String[] {"", ".", "a.", ".a", "a..b"}) {
      org.junit.jupiter.api.Assertions.assertThrows(
          IllegalArgumentException.class, () -> DocOp.segments(bad), bad);
    }
  }

  @Test
  void snapshotStateIsAnObjectUnlessRecovered() {
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class,
        () -> new Snapshot(null, ROOM, 1, "e", json("{}"), null, true));
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new Snapshot(null, ROOM, 1, "e", null, null, false));
  }
}
