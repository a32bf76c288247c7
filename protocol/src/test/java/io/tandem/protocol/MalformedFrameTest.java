package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MalformedFrameTest {

  private static final FrameCodec CODEC = FrameCodec.create(4096);

  private static ProtocolError rejected(DecodeResult<?> result, ErrorCode code) {
    DecodeResult.Rejected<?> r = assertInstanceOf(DecodeResult.Rejected.class, result);
    assertEquals(code, r.error().code(), r.error().message());
    assertTrue(r.error().message() != null && !r.error().message().isBlank());
    return r.error();
  }

  private static ProtocolError client(String json, ErrorCode code) {
    ProtocolError viaText = rejected(CODEC.decodeClient(json), code);
    ProtocolError viaBytes =
        rejected(CODEC.decodeClient(Encoding.JSON, json.getBytes(StandardCharsets.UTF_8)), code);
    assertEquals(viaText, viaBytes);
    return viaText;
  }

  private static String frame(String type, String session, String payload) {
    return "{\"version\":1,\"type\":\""
        + type
        + "\",\"ref\":42"
        + (session == null ? "" : ",\"session\":\"" + session + "\"")
        + ",\"payload\":"
        + payload
        + "}";
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "hello",
        "{",
        "{\"version\":1,",
        "[{\"version\":1,\"type\":\"ping\"}]",
        "\"ping\"",
        "42",
        "null",
        "",
        "   ",
        "{\"version\":1,\"type\":\"ping\",\"payload\":{}} x",
        "{\"version\":1,\"type\":\"ping\",\"payload\":{}}{\"version\":1,\"type\":\"ping\"}",
        "{\"version\":1,\"type\":\"ping\",\"payload\":{},}",
        "{'version':1,'type':'ping'}",
        "{\"version\":NaN,\"type\":\"ping\"}"
      })
  void notASingleJsonObjectIsBadFrame(String text) {
    client(text, ErrorCode.BAD_FRAME);
  }

  @Test
  void emptyAndNullInputIsBadFrame() {
    rejected(CODEC.decodeClient(Encoding.JSON, new byte[0]), ErrorCode.BAD_FRAME);
    rejected(CODEC.decodeClient(Encoding.CBOR, new byte[0]), ErrorCode.BAD_FRAME);
    rejected(CODEC.decodeServer(Encoding.CBOR, null), ErrorCode.BAD_FRAME);
    rejected(CODEC.decodeClient((String) null), ErrorCode.BAD_FRAME);
  }

  @Test
  void versionMustBeThereAndBeAnInteger() {
    assertTrue(
        client("{\"type\":\"ping\",\"ref\":1}", ErrorCode.BAD_FRAME).message().contains("version"));
    client("{\"version\":\"1\",\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
    client("{\"version\":1.5,\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
    client("{\"version\":null,\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
  }

  @Test
  void otherVersionIsUnsupportedAndKeepsRefAndSession() {
    ProtocolError e =
        client(
            "{\"version\":2,\"type\":\"join\",\"ref\":7,\"session\":\"room:a\"}",
            ErrorCode.UNSUPPORTED_VERSION);
    assertEquals(7L, e.ref());
    assertEquals("room:a", e.session());
    assertTrue(e.code().malformed());
    client("{\"version\":0,\"type\":\"ping\"}", ErrorCode.UNSUPPORTED_VERSION);
  }

  @Test
  void typeMustBeThereAndKnownForTheDirection() {
    assertTrue(client("{\"version\":1}", ErrorCode.BAD_FRAME).message().contains("type"));
    client("{\"version\":1,\"type\":7}", ErrorCode.BAD_FRAME);
    ProtocolError e = client("{\"version\":1,\"type\":\"fly\",\"ref\":3}", ErrorCode.UNKNOWN_TYPE);
    assertEquals(3L, e.ref());
    // a server type from a client, and a client type from the server
    client(frame("welcome", null, "{}"), ErrorCode.UNKNOWN_TYPE);
    client(frame("delta", "room:a", "{}"), ErrorCode.UNKNOWN_TYPE);
    rejected(CODEC.decodeServer(frame("join", "room:a", "{}")), ErrorCode.UNKNOWN_TYPE);
    rejected(CODEC.decodeServer(frame("hello", null, "{}")), ErrorCode.UNKNOWN_TYPE);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"room:bad name", "lobby:a", "room:", "room", "ROOM:a", ":a", "room:a:b", "room:é"})
  void invalidSessionIsInvalidSessionWithTheRawSessionEchoed(String session) {
    ProtocolError e = client(frame("join", session, "{}"), ErrorCode.INVALID_SESSION);
    assertEquals(session, e.session());
    assertEquals(42L, e.ref());
    assertEquals(e.session(), e.toFrame().session());
    assertEquals(ErrorCode.INVALID_SESSION, e.toFrame().code());
  }

  @Test
  void sessionNameIsAtMost128Characters() {
    client(frame("leave", "room:" + "a".repeat(129), "{}"), ErrorCode.INVALID_SESSION);
    assertInstanceOf(
        DecodeResult.Decoded.class,
        CODEC.decodeClient(frame("leave", "room:" + "a".repeat(128), "{}")));
  }

  @Test
  void sessionFrameWithoutSessionIsBadFrame() {
    ProtocolError e = client(frame("op", null, "{\"ops\":[]}"), ErrorCode.BAD_FRAME);
    assertTrue(e.message().contains("session"), e.message());
    assertEquals(42L, e.ref());
    client("{\"version\":1,\"type\":\"leave\",\"session\":5}", ErrorCode.BAD_FRAME);
  }

  @Test
  void refMustBeAnIntegerAndIsCarriedOnLaterErrors() {
    ProtocolError e =
        client(
            "{\"version\":1,\"type\":\"ping\",\"ref\":\"x\",\"session\":\"room:a\"}",
            ErrorCode.BAD_FRAME);
    assertNull(e.ref());
    assertEquals("room:a", e.session());
    assertTrue(e.message().contains("ref"));
    client("{\"version\":1,\"type\":\"ping\",\"ref\":1.5}", ErrorCode.BAD_FRAME);
    client("{\"version\":1,\"type\":\"ping\",\"ref\":99999999999999999999}", ErrorCode.BAD_FRAME);

    ProtocolError late =
        client(frame("join", "room:a", "{\"role\":\"admin\"}"), ErrorCode.BAD_FRAME);
    assertEquals(42L, late.ref());
    assertEquals("room:a", late.session());
  }

  @Test
  void payloadMustBeAnObject() {
    client(frame("ping", null, "[]"), ErrorCode.BAD_FRAME);
    client(frame("presence", "room:a", "\"here\""), ErrorCode.BAD_FRAME);
  }

  @ParameterizedTest(name = "{0} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "hello|-|{}|token",
        "hello|-|{\"token\":5}|token",
        "hello|-|{\"token\":\"t\",\"client\":\"me\"}|client",
        "hello|-|{\"token\":\"t\",\"client\":{\"kind\":\"toaster\"}}|kind",
        "hello|-|{\"token\":\"t\",\"client\":{\"name\":7}}|name",
        "join|room:a|{\"role\":\"admin\"}|role",
        "join|room:a|{\"since\":\"3\"}|since",
        "join|room:a|{\"since\":-1}|since",
        "join|room:a|{\"since\":1.5}|since",
        "join|room:a|{\"epoch\":1}|epoch",
        "join|room:a|{\"presence\":[1]}|presence",
        "op|room:a|{}|ops",
        "op|room:a|{\"ops\":[]}|ops",
        "op|room:a|{\"ops\":{}}|ops",
        "op|room:a|{\"ops\":[1]}|ops[0]",
        "op|room:a|{\"ops\":[{\"op\":\"mul\",\"path\":\"a\"}]}|op",
        "op|room:a|{\"ops\":[{\"op\":\"set\",\"path\":\"a..b\",\"value\":1}]}|path",
        "op|room:a|{\"ops\":[{\"op\":\"set\",\"path\":\"\",\"value\":1}]}|path",
        "op|room:a|{\"ops\":[{\"op\":\"set\",\"path\":\"a\"}]}|value",
        "op|room:a|{\"ops\":[{\"op\":\"del\"}]}|path",
        "op|room:a|{\"ops\":[{\"op\":\"del\",\"path\":\"a\"}],\"key\":7}|key",
        "op|room:a|{\"ops\":[{\"op\":\"del\",\"path\":\"a\"}],\"key\":\"\"}|key",
        "object|room:a|{\"action\":\"grab\",\"id\":\"x\",\"key\":[]}|key",
        "object|room:a|{\"id\":\"x\"}|action",
        "object|room:a|{\"action\":\"fly\",\"id\":\"x\"}|action",
        "object|room:a|{\"action\":\"spawn\"}|id",
        "object|room:a|{\"action\":\"spawn\",\"id\":\"\"}|id",
        "object|room:a|{\"action\":\"spawn\",\"id\":5}|id",
        "object|room:a|{\"action\":\"spawn\",\"id\":\"x\",\"transform\":{\"p\":[1,2]}}|p",
        "object|room:a|{\"action\":\"spawn\",\"id\":\"x\",\"transform\":{\"q\":[0,0,0,\"1\"]}}|q",
        "object|room:a|{\"action\":\"spawn\",\"id\":\"x\",\"transform\":{\"s\":1}}|s",
        "object|room:a|{\"action\":\"spawn\",\"id\":\"x\",\"transform\":[]}|transform",
        "pose|room:a|{\"head\":{\"p\":\"up\"}}|p",
        "pose|room:a|{\"t\":\"now\"}|t",
        "pose|room:a|{\"left\":5}|left",
        "publish|recording:r|{}|events or bytes",
        "publish|recording:r|{\"events\":[]}|events or bytes",
        "publish|recording:r|{\"events\":{}}|events",
        "publish|recording:r|{\"events\":[1],\"checkpoint\":\"yes\"}|checkpoint",
        "publish|recording:r|{\"events\":[1],\"static\":1}|static",
        "publish|recording:r|{\"bytes\":5}|bytes",
        "publish|recording:r|{\"bytes\":\"!!!not base64\"}|bytes",
        "publish|recording:r|{\"bytes\":\"A\"}|bytes",
        "publish|recording:r|{\"bytes\":\"AQ=I\"}|bytes",
        "replay|room:a|{\"from\":0}|from",
        "replay|room:a|{\"until\":\"end\"}|until",
        "replay|room:a|{\"speed\":-1}|speed",
        "replay|room:a|{\"speed\":\"fast\"}|speed",
        "replay.seek|room:a|{}|seq",
        "replay.seek|room:a|{\"seq\":-5}|seq",
        "replay.speed|room:a|{}|speed",
        "settings|room:a|{}|tickHz",
        "settings|room:a|{\"tickHz\":0}|tickHz",
        "settings|room:a|{\"tickHz\":\"fast\"}|tickHz",
        "settings|room:a|{\"tickHz\":2.5}|tickHz",
        "ping|-|{\"t\":\"now\"}|t",
        "ping|-|{\"t\":1e400}|t",
        "pong|-|{\"t\":1,\"serverTime\":\"x\"}|serverTime"
      })
  void wrongPayloadIsBadFrameNamingTheKey(String type, String session, String payload, String key) {
    ProtocolError e =
        client(frame(type, "-".equals(session) ? null : session, payload), ErrorCode.BAD_FRAME);
    assertTrue(e.message().contains(key), () -> e.message() + " should name " + key);
    assertTrue(e.message().startsWith(type), () -> e.message() + " should name " + type);
    assertEquals(42L, e.ref());
  }

  @Test
  void serverFramePayloadsAreCheckedToo() {
    rejected(
        CODEC.decodeServer(frame("snapshot", "room:a", "{\"seq\":1,\"epoch\":\"e\"}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(
            frame(
                "snapshot",
                "room:a",
                "{\"seq\":1,\"epoch\":\"e\",\"state\":{},\"recovered\":true}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(frame("error", "not a session", "{\"code\":\"nope\"}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(
            frame("replay.events", "room:a", "{\"items\":[{\"ts\":1,\"frame\":{}}]}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(
            frame(
                "replay.events",
                "room:a",
                "{\"items\":[{\"ts\":1,\"frame\":{\"version\":1,\"type\":\"join\",\"session\":\"room:a\"}}]}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(frame("presence", "room:a", "{\"members\":{\"a\":5}}")),
        ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeServer(
            frame(
                "snapshot",
                "room:a",
                "{\"seq\":1,\"epoch\":\"e\",\"state\":{},\"members\":{\"a\":null}}")),
        ErrorCode.BAD_FRAME);
  }

  @Test
  void errorFramesEchoAnInvalidSessionRaw() {
    DecodeResult<ServerFrame> r =
        CODEC.decodeServer(frame("error", "not a session", "{\"code\":\"invalid_session\"}"));
    assertEquals(
        new DecodeResult.Decoded<>(
            new ErrorFrame(42L, "not a session", ErrorCode.INVALID_SESSION, null)),
        r);
  }

  @Test
  void oversizeIsTooBigBeforeParsing() {
    String garbage = "x".repeat(4097);
    rejected(CODEC.decodeClient(garbage), ErrorCode.TOO_BIG);
    rejected(
        CODEC.decodeClient(Encoding.JSON, garbage.getBytes(StandardCharsets.UTF_8)),
        ErrorCode.TOO_BIG);
    rejected(CODEC.decodeServer(Encoding.CBOR, new byte[4097]), ErrorCode.TOO_BIG);
    // the limit counts UTF-8 bytes, not chars: 2100 two-byte chars are 4200 bytes
    String wide = frame("presence", "room:a", "{\"n\":\"" + "é".repeat(2100) + "\"}");
    assertTrue(wide.length() < 4096);
    rejected(CODEC.decodeClient(wide), ErrorCode.TOO_BIG);
    // exactly at the limit is fine
    String base = frame("presence", "room:a", "{\"n\":\"\"}");
    String atLimit =
        frame("presence", "room:a", "{\"n\":\"" + "a".repeat(4096 - base.length()) + "\"}");
    assertEquals(4096, atLimit.length());
    assertInstanceOf(DecodeResult.Decoded.class, CODEC.decodeClient(atLimit));
  }

  @Test
  void utf8LengthCountsSurrogatePairsAsFourBytes() {
    String s = "aé€😀";
    assertEquals(s.getBytes(StandardCharsets.UTF_8).length, FrameCodec.utf8Length(s));
  }

  @Test
  void deepNestingIsBadFrame() {
    FrameCodec big = FrameCodec.create(1 << 20);
    int depth = 100_000;
    String nested = "[".repeat(depth) + "]".repeat(depth);
    rejected(
        big.decodeClient(frame("presence", "room:a", "{\"x\":" + nested + "}")),
        ErrorCode.BAD_FRAME);
    rejected(big.decodeClient(nested), ErrorCode.BAD_FRAME);

    // CBOR: 100 000 nested one-element arrays (0x81) around a 0
    byte[] cbor = new byte[depth + 1];
    Arrays.fill(cbor, 0, depth, (byte) 0x81);
    rejected(big.decodeClient(Encoding.CBOR, cbor), ErrorCode.BAD_FRAME);

    // just under the limit still decodes
    String ok = "[".repeat(490) + "]".repeat(490);
    assertInstanceOf(
        DecodeResult.Decoded.class,
        big.decodeClient(frame("presence", "room:a", "{\"x\":" + ok + "}")));
  }

  @Test
  void invalidCborIsBadFrame() throws Exception {
    rejected(
        CODEC.decodeClient(Encoding.CBOR, new byte[] {(byte) 0xff, (byte) 0xff}),
        ErrorCode.BAD_FRAME);
    rejected(CODEC.decodeClient(Encoding.CBOR, new byte[] {(byte) 0xa1}), ErrorCode.BAD_FRAME);
    rejected(CODEC.decodeClient(Encoding.CBOR, new byte[] {(byte) 0x1c}), ErrorCode.BAD_FRAME);
    // JSON text sent as CBOR, and CBOR sent as JSON
    byte[] json = frame("ping", null, "{}").getBytes(StandardCharsets.UTF_8);
    rejected(CODEC.decodeClient(Encoding.CBOR, json), ErrorCode.BAD_FRAME);
    byte[] cbor = CODEC.encode(Encoding.CBOR, new Ping(1L, null));
    rejected(CODEC.decodeClient(Encoding.JSON, cbor), ErrorCode.BAD_FRAME);
    // two CBOR frames back to back: trailing data
    byte[] two = new byte[cbor.length * 2];
    System.arraycopy(cbor, 0, two, 0, cbor.length);
    System.arraycopy(cbor, 0, two, cbor.length, cbor.length);
    rejected(CODEC.decodeClient(Encoding.CBOR, two), ErrorCode.BAD_FRAME);
    // a CBOR array, not a map
    rejected(
        CODEC.decodeClient(Encoding.CBOR, new CBORMapper().writeValueAsBytes(new int[] {1})),
        ErrorCode.BAD_FRAME);
    // truncated
    rejected(
        CODEC.decodeClient(Encoding.CBOR, Arrays.copyOf(cbor, cbor.length - 1)),
        ErrorCode.BAD_FRAME);
  }

  @Test
  void invalidUtf8InJsonBytesIsBadFrame() {
    byte[] head =
        "{\"version\":1,\"type\":\"ping\",\"payload\":{\"x\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] broken = new byte[head.length + 2 + tail.length];
    System.arraycopy(head, 0, broken, 0, head.length);
    broken[head.length] = (byte) 0xC3; // an invalid two-byte sequence
    broken[head.length + 1] = (byte) 0x28;
    System.arraycopy(tail, 0, broken, head.length + 2, tail.length);
    rejected(CODEC.decodeClient(Encoding.JSON, broken), ErrorCode.BAD_FRAME);
  }

  @Test
  void unpairedSurrogateIsBadFrameBecauseItCannotBeEncodedAgain() {
    ProtocolError e =
        client(frame("presence", "room:a", "{\"n\":\"a\\udd4ab\"}"), ErrorCode.BAD_FRAME);
    assertEquals(42L, e.ref());
    // in a key: the parser itself may refuse it on one path, the check on the other
    String key = frame("presence", "room:a", "{\"\\ud800\":1}");
    rejected(CODEC.decodeClient(key), ErrorCode.BAD_FRAME);
    rejected(
        CODEC.decodeClient(Encoding.JSON, key.getBytes(StandardCharsets.UTF_8)),
        ErrorCode.BAD_FRAME);
    // CESU-8 bytes of U+DD4A inside a string
    byte[] head =
        "{\"version\":1,\"type\":\"presence\",\"session\":\"room:a\",\"payload\":{\"n\":\""
            .getBytes(StandardCharsets.UTF_8);
    byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] cesu = new byte[head.length + 3 + tail.length];
    System.arraycopy(head, 0, cesu, 0, head.length);
    cesu[head.length] = (byte) 0xED;
    cesu[head.length + 1] = (byte) 0xB5;
    cesu[head.length + 2] = (byte) 0x8A;
    System.arraycopy(tail, 0, cesu, head.length + 3, tail.length);
    rejected(CODEC.decodeClient(Encoding.JSON, cesu), ErrorCode.BAD_FRAME);
    // a proper pair is fine
    assertInstanceOf(
        DecodeResult.Decoded.class,
        CODEC.decodeClient(frame("presence", "room:a", "{\"n\":\"\\ud83d\\ude00 😀\"}")));
  }

  @Test
  void nonFiniteNumbersAreBadFrameBecauseJsonCannotCarryThem() {
    client(frame("presence", "room:a", "{\"x\":1e400}"), ErrorCode.BAD_FRAME);
    client(frame("presence", "room:a", "{\"x\":[-1e999]}"), ErrorCode.BAD_FRAME);
    for (int[] value : new int[][] {{0xf9, 0x7c, 0x00}, {0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}}) {
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      out.write(0xa4); // map of 4
      cborText(out, "version");
      out.write(0x01);
      cborText(out, "type");
      cborText(out, "presence");
      cborText(out, "session");
      cborText(out, "room:a");
      cborText(out, "payload");
      out.write(0xa1); // map of 1
      cborText(out, "x");
      for (int b : value) {
        out.write(b); // half-precision +Infinity, double NaN
      }
      rejected(CODEC.decodeClient(Encoding.CBOR, out.toByteArray()), ErrorCode.BAD_FRAME);
    }
  }

  @Test
  void deepCborNestingInsideAPayloadIsBadFrame() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.write(0xa4); // map of 4
    cborText(out, "version");
    out.write(0x01);
    cborText(out, "type");
    cborText(out, "presence");
    cborText(out, "session");
    cborText(out, "room:a");
    cborText(out, "payload");
    out.write(0xa1); // map of 1
    cborText(out, "x");
    for (int i = 0; i < 100_000; i++) {
      out.write(0x81); // array of 1
    }
    out.write(0x00);
    FrameCodec big = FrameCodec.create(1 << 20);
    rejected(big.decodeClient(Encoding.CBOR, out.toByteArray()), ErrorCode.BAD_FRAME);
  }

  private static void cborText(java.io.ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(0x60 + b.length); // short text string
    out.write(b, 0, b.length);
  }

  @Test
  void malformedCodesAreTheOnesCountingFor1008() {
    for (ErrorCode c : ErrorCode.values()) {
      boolean expected =
          c == ErrorCode.BAD_FRAME
              || c == ErrorCode.UNSUPPORTED_VERSION
              || c == ErrorCode.UNKNOWN_TYPE;
      assertEquals(expected, c.malformed(), c.name());
    }
  }
}
