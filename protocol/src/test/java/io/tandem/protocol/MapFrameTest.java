package io.tandem.protocol;

import static io.tandem.protocol.Samples.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The frames of maps (protocol 4.5) as a client author writes and reads them. */
class MapFrameTest {

  private static final FrameCodec CODEC = FrameCodec.create(64 * 1024);

  private static ClientFrame decode(String text) {
    DecodeResult<ClientFrame> r = CODEC.decodeClient(Encoding.JSON, text.getBytes());
    assertInstanceOf(DecodeResult.Decoded.class, r, () -> r.toString());
    return ((DecodeResult.Decoded<ClientFrame>) r).frame();
  }

  private static ProtocolError reject(String text) {
    DecodeResult<ClientFrame> r = CODEC.decodeClient(Encoding.JSON, text.getBytes());
    assertInstanceOf(DecodeResult.Rejected.class, r, () -> r.toString());
    return ((DecodeResult.Rejected<ClientFrame>) r).error();
  }

  @Test
  void putFromTheSpecDecodesDurableByDefaultAndNullDeletes() {
    Put put =
        (Put)
            decode(
                "{\"version\":1,\"type\":\"put\",\"ref\":4,\"session\":\"map:g\","
                    + "\"payload\":{\"entries\":{\"n/1\":{\"x\":1},\"e:2\":null}}}");
    assertEquals(SessionId.map("g"), put.session());
    assertTrue(put.durable());
    assertEquals(json("{\"x\":1}"), put.entries().get("n/1"));
    assertTrue(put.entries().containsKey("e:2"));
    assertNull(put.entries().get("e:2"));
    Put eph =
        (Put)
            decode(
                "{\"version\":1,\"type\":\"put\",\"session\":\"map:g\","
                    + "\"payload\":{\"entries\":{\"a\":[1,2]},\"durable\":false}}");
    assertFalse(eph.durable());
  }

  @Test
  void putWithABadKeyNoEntriesOrAWrongDurableIsABadFrame() {
    String[] bad = {
      "{\"entries\":{\"has space\":1}}",
      "{\"entries\":{\"" + "k".repeat(257) + "\":1}}",
      "{\"entries\":{\"\":1}}",
      "{\"entries\":{}}",
      "{}",
      "{\"entries\":[1]}",
      "{\"entries\":{\"a\":1},\"durable\":\"no\"}"
    };
    for (String payload : bad) {
      ProtocolError e =
          reject(
              "{\"version\":1,\"type\":\"put\",\"ref\":1,\"session\":\"map:g\",\"payload\":"
                  + payload
                  + "}");
      assertEquals(ErrorCode.BAD_FRAME, e.code(), payload);
      assertEquals(1L, e.ref());
    }
  }

  @Test
  void aKeyOfTwoHundredFiftySixCharactersOfEveryAllowedKindIsValid() {
    String key = ("Az09._:/-" + "x".repeat(247));
    assertEquals(256, key.length());
    assertTrue(MapKeys.valid(key));
    assertTrue(MapKeys.PATTERN.matcher(key).matches());
    for (String k : new String[] {"a b", "é", "a\n", "a*", "a#b"}) {
      assertFalse(MapKeys.valid(k), k);
      assertFalse(MapKeys.PATTERN.matcher(k).matches(), k);
    }
  }

  @Test
  void mapSessionsParseAndOthersStillDoNot() {
    assertEquals(SessionKind.MAP, SessionId.parse("map:graph-1").kind());
    assertEquals(
        ErrorCode.INVALID_SESSION,
        reject("{\"version\":1,\"type\":\"put\",\"session\":\"maps:g\",\"payload\":{}}").code());
  }

  @Test
  void ephemeralChangesLeaveOutSeqByAndTsAndWriteADeletionAsNull() {
    Map<String, JsonNode> e = new LinkedHashMap<>();
    e.put("a", json("1"));
    e.put("b", null);
    assertEquals(
        "{\"version\":1,\"type\":\"changes\",\"session\":\"map:g\",\"payload\":"
            + "{\"entries\":{\"a\":1,\"b\":null}}}",
        CODEC.encodeJson(Changes.ephemeral(SessionId.map("g"), e)));
    assertEquals(
        "{\"version\":1,\"type\":\"changes\",\"session\":\"map:g\",\"payload\":"
            + "{\"seq\":3,\"by\":\"p/c\",\"ts\":9,\"entries\":{\"a\":1,\"b\":null}}}",
        CODEC.encodeJson(new Changes(SessionId.map("g"), 3L, "p/c", 9L, e)));
  }

  @Test
  void checkedEntriesAreCarriedAsTheyAreAndEncodeLikeAnyOtherInBothEncodings() {
    LinkedHashMap<String, JsonNode> state = new LinkedHashMap<>();
    state.put("p/1", json("[1.5,2]"));
    state.put("n/1", json("{\"g\":3}"));
    CheckedEntries checked = CheckedEntries.of(state, false);
    SnapshotPart part = new SnapshotPart(SessionId.map("g"), 7, 1, checked);
    assertSame(checked, part.entries(), "taken without a copy");
    assertSame(checked, Changes.ephemeral(SessionId.map("g"), checked).entries());
    // a plain map with the same entries is copied, and both encode to the same frame
    SnapshotPart plain = new SnapshotPart(SessionId.map("g"), 7, 1, new LinkedHashMap<>(state));
    assertNotSame(plain.entries(), state);
    for (Encoding encoding : Encoding.values()) {
      byte[] bytes = CODEC.encode(encoding, part);
      assertArrayEquals(CODEC.encode(encoding, plain), bytes);
      DecodeResult<ServerFrame> back = CODEC.decodeServer(encoding, bytes);
      assertInstanceOf(DecodeResult.Decoded.class, back, () -> back.toString());
      assertEquals(plain, ((DecodeResult.Decoded<ServerFrame>) back).frame());
    }
    assertEquals(
        "{\"version\":1,\"type\":\"snapshot.part\",\"session\":\"map:g\",\"payload\":"
            + "{\"seq\":7,\"part\":1,\"entries\":{\"p/1\":[1.5,2],\"n/1\":{\"g\":3}}}}",
        CODEC.encodeJson(part));
  }

  @Test
  void checkedEntriesWithADeletionWriteItAsNullAndStillKeepSnapshotPartsFree() {
    LinkedHashMap<String, JsonNode> ticked = new LinkedHashMap<>();
    ticked.put("a", json("1"));
    ticked.put("b", null);
    assertEquals(
        "{\"version\":1,\"type\":\"changes\",\"session\":\"map:g\",\"payload\":"
            + "{\"entries\":{\"a\":1,\"b\":null}}}",
        CODEC.encodeJson(Changes.ephemeral(SessionId.map("g"), CheckedEntries.of(ticked, true))));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SnapshotPart(SessionId.map("g"), 7, 1, CheckedEntries.of(ticked, true)));
  }

  @Test
  void snapshotOfAMapCarriesPartsAndPartsTheirNumber() {
    assertEquals(
        "{\"version\":1,\"type\":\"snapshot\",\"ref\":2,\"session\":\"map:g\",\"payload\":"
            + "{\"seq\":7,\"epoch\":\"e\",\"state\":{\"entries\":{}},\"members\":{},\"parts\":3,"
            + "\"recovered\":false}}",
        CODEC.encodeJson(
            new Snapshot(
                2L, SessionId.map("g"), 7, "e", json("{\"entries\":{}}"), null, false, null, 3)));
    assertEquals(
        "{\"version\":1,\"type\":\"snapshot.part\",\"session\":\"map:g\",\"payload\":"
            + "{\"seq\":7,\"part\":1,\"entries\":{\"a\":true}}}",
        CODEC.encodeJson(new SnapshotPart(SessionId.map("g"), 7, 1, Map.of("a", json("true")))));
  }

  @Test
  void controlIsRelayedWithTheSendersMemberIdAsBy() {
    Control c =
        (Control)
            decode(
                "{\"version\":1,\"type\":\"control\",\"ref\":5,\"session\":\"map:g\","
                    + "\"payload\":{\"method\":\"umap\",\"k\":3,\"by\":\"spoofed\"}}");
    ControlRelayed relayed = new ControlRelayed(c.session(), "ada/c1", c.control());
    assertEquals(
        "{\"version\":1,\"type\":\"control\",\"session\":\"map:g\",\"payload\":"
            + "{\"method\":\"umap\",\"k\":3,\"by\":\"ada/c1\"}}",
        CODEC.encodeJson(relayed));
    // the sender's frame keeps what it sent
    assertEquals("spoofed", c.control().get("by").textValue());
  }
}
