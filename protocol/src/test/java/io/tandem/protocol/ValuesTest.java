package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ValuesTest {

  @Test
  void sessionIdParsesAndPrintsTheWireForm() {
    assertEquals(SessionId.room("design-1"), SessionId.parse("room:design-1"));
    assertEquals(SessionId.recording("a.B_9-x"), SessionId.parse("recording:a.B_9-x"));
    assertEquals("room:design-1", SessionId.room("design-1").toString());
    assertEquals("recording:r", SessionId.recording("r").toString());
    assertEquals(Optional.empty(), SessionId.tryParse("room:no spaces"));
    assertEquals(Optional.empty(), SessionId.tryParse(null));
    assertThrows(IllegalArgumentException.class, () -> SessionId.parse("chat:x"));
    assertThrows(IllegalArgumentException.class, () -> SessionId.parse("room:" + "a".repeat(129)));
    assertThrows(IllegalArgumentException.class, () -> SessionId.room(""));
    assertEquals(128, SessionId.parse("room:" + "a".repeat(128)).name().length());
  }

  @Test
  void wireNamesRoundTrip() {
    for (ErrorCode c : ErrorCode.values()) {
      assertEquals(Optional.of(c), ErrorCode.fromWire(c.wire()));
    }
    assertEquals("bad_frame", ErrorCode.BAD_FRAME.wire());
    assertEquals("invalid_session", ErrorCode.INVALID_SESSION.wire());
    assertEquals(Optional.empty(), ErrorCode.fromWire("BAD_FRAME"));
    for (Role r : Role.values()) {
      assertEquals(Optional.of(r), Role.fromWire(r.wire()));
    }
    assertEquals("publisher", Role.PUBLISHER.wire());
    for (ClientKind k : ClientKind.values()) {
      assertEquals(Optional.of(k), ClientKind.fromWire(k.wire()));
    }
    assertEquals("xr", ClientKind.XR.wire());
    for (ObjectActionKind k : ObjectActionKind.values()) {
      assertEquals(Optional.of(k), ObjectActionKind.fromWire(k.wire()));
    }
    assertEquals(Optional.empty(), Role.fromWire(null));
  }

  @Test
  void encodingsAreNegotiatedFromTheSubprotocolHeader() {
    assertEquals("tandem.v1.json", Encoding.JSON.subprotocol());
    assertEquals(Optional.of(Encoding.CBOR), Encoding.fromSubprotocol("tandem.v1.cbor"));
    assertEquals(Optional.empty(), Encoding.fromSubprotocol("tandem.v2.json"));
    assertEquals(Optional.of(Encoding.JSON), Encoding.negotiate(List.of()));
    assertEquals(
        Optional.of(Encoding.CBOR),
        Encoding.negotiate(List.of("x", "tandem.v1.cbor", "tandem.v1.json")));
    assertEquals(Optional.empty(), Encoding.negotiate(List.of("graphql-ws")));
  }

  @Test
  void closeCodesAreTheDocumentedNumbers() {
    assertEquals(1000, CloseCode.NORMAL.code());
    assertEquals(1001, CloseCode.GOING_AWAY.code());
    assertEquals(1008, CloseCode.MALFORMED.code());
    assertEquals(1009, CloseCode.TOO_BIG.code());
    assertEquals(1011, CloseCode.INTERNAL.code());
    assertEquals(1012, CloseCode.DRAINING.code());
    assertEquals(4401, CloseCode.UNAUTHORIZED.code());
    assertEquals(4403, CloseCode.FORBIDDEN.code());
    assertEquals(4408, CloseCode.HELLO_TIMEOUT.code());
    assertEquals(4429, CloseCode.RATE_LIMITED.code());
    assertTrue(CloseCode.DRAINING.shouldReconnect());
    assertFalse(CloseCode.MALFORMED.shouldReconnect());
    Set<Integer> codes =
        Stream.of(CloseCode.values()).map(CloseCode::code).collect(Collectors.toSet());
    assertEquals(CloseCode.values().length, codes.size());
    assertEquals(Optional.of(CloseCode.HELLO_TIMEOUT), CloseCode.fromCode(4408));
  }

  @Test
  void blobIsImmutableAndEqualByContent() {
    byte[] raw = {1, 2, 3};
    Blob blob = Blob.of(raw);
    raw[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, blob.bytes());
    blob.bytes()[1] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, blob.bytes());
    assertEquals(Blob.of(new byte[] {1, 2, 3}), blob);
    assertEquals(Blob.of(new byte[] {1, 2, 3}).hashCode(), blob.hashCode());
    assertNotEquals(Blob.of(new byte[] {1, 2}), blob);
    assertEquals(3, blob.size());
    assertEquals("Blob[3 bytes]", blob.toString());
  }

  @Test
  void jsonValuesAreCopiedOnTheWayIn() {
    var presence = Samples.NODES.objectNode().put("x", 1);
    Presence frame = new Presence(null, Samples.ROOM, presence);
    presence.put("x", 2);
    assertEquals(1, frame.presence().get("x").asInt());
  }

  @Test
  void transformsCheckTheirSizes() {
    assertThrows(IllegalArgumentException.class, () -> new Transform(List.of(1.0), null, null));
    assertThrows(
        IllegalArgumentException.class, () -> new Transform(null, List.of(0.0, 0.0, 0.0), null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Transform(List.of(1.0, Double.NaN, 0.0), null, null));
  }

  @Test
  void frameTypeLookupIsPerDirection() {
    assertEquals(Optional.of(FrameType.PRESENCE), FrameType.fromClient("presence"));
    assertEquals(Optional.of(FrameType.PRESENCE_CHANGED), FrameType.fromServer("presence"));
    assertEquals(Optional.of(FrameType.PING), FrameType.fromClient("ping"));
    assertEquals(Optional.of(FrameType.PING), FrameType.fromServer("ping"));
    assertEquals(Optional.empty(), FrameType.fromClient("welcome"));
    assertEquals(Optional.empty(), FrameType.fromServer("join"));
    assertEquals(Optional.empty(), FrameType.fromServer(null));
    assertEquals(1, ProtocolVersion.CURRENT);
  }

  @Test
  void protocolErrorBecomesAnErrorFrame() {
    ProtocolError e = new ProtocolError(ErrorCode.UNKNOWN_TYPE, "m", 3L, "room:x");
    assertEquals(new ErrorFrame(3L, "room:x", ErrorCode.UNKNOWN_TYPE, "m"), e.toFrame());
    assertEquals(e.toFrame(), ErrorFrame.of(e));
  }
}
