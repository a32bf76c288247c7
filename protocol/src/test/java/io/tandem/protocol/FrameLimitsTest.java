package io.tandem.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The content bounds of client frames: op paths, client names and asset references. */
class FrameLimitsTest {

  private static final FrameCodec CODEC = FrameCodec.create(262_144);
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static String path(int segments, String key) {
    StringBuilder b = new StringBuilder(segments * (key.length() + 1));
    for (int i = 0; i < segments; i++) {
      if (i > 0) {
        b.append('.');
      }
      b.append(key);
    }
    return b.toString();
  }

  private static ObjectNode op(String path) {
    ObjectNode f = NODES.objectNode().put("version", 1).put("type", "op").put("ref", 7);
    f.put("session", "room:r");
    f.putObject("payload")
        .putArray("ops")
        .addObject()
        .put("op", "set")
        .put("path", path)
        .put("value", 1);
    return f;
  }

  private static ObjectNode hello(String name) {
    ObjectNode f = NODES.objectNode().put("version", 1).put("type", "hello");
    f.putObject("payload").put("token", "t").putObject("client").put("name", name);
    return f;
  }

  private static ObjectNode spawn(String asset) {
    ObjectNode f = NODES.objectNode().put("version", 1).put("type", "object");
    f.put("session", "room:r");
    f.putObject("payload").put("action", "spawn").put("id", "o").put("asset", asset);
    return f;
  }

  /** Decodes in JSON and CBOR; both must agree. */
  private static DecodeResult<ClientFrame> decode(FrameCodec codec, ObjectNode frame)
      throws Exception {
    DecodeResult<ClientFrame> json = codec.decodeClient(frame.toString());
    DecodeResult<ClientFrame> cbor =
        codec.decodeClient(Encoding.CBOR, new CBORMapper().writeValueAsBytes(frame));
    assertEquals(json.getClass(), cbor.getClass());
    return json;
  }

  private static String badFrame(FrameCodec codec, ObjectNode frame) throws Exception {
    DecodeResult.Rejected<?> r =
        assertInstanceOf(DecodeResult.Rejected.class, decode(codec, frame));
    assertEquals(ErrorCode.BAD_FRAME, r.error().code(), r.error().message());
    assertTrue(r.error().code().malformed(), "counts for the 1008 rule");
    return r.error().message();
  }

  @Test
  void aPathOfThirtyThousandKeysIsBadFrameInOnePass() throws Exception {
    String message = badFrame(CODEC, op(path(30_000, "a")));
    assertTrue(message.contains("more than 32 keys"), message);
  }

  @Test
  void aPathHasAtMostTheConfiguredKeys() throws Exception {
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, op(path(32, "k"))));
    badFrame(CODEC, op(path(33, "k")));
    FrameCodec small = FrameCodec.create(262_144, new FrameLimits(3, 256, 64));
    assertInstanceOf(DecodeResult.Decoded.class, decode(small, op(path(3, "k"))));
    badFrame(small, op(path(4, "k")));
  }

  @Test
  void aKeyHasAtMostTheConfiguredBytesCountedInUtf8() throws Exception {
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, op("a." + "x".repeat(256))));
    String message = badFrame(CODEC, op("a." + "x".repeat(257)));
    assertTrue(message.contains("256 bytes"), message);
    // 129 two-byte characters are 258 bytes
    badFrame(CODEC, op("é".repeat(129)));
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, op("é".repeat(128))));
  }

  @Test
  void emptyKeysAreStillBadFrame() throws Exception {
    badFrame(CODEC, op("a..b"));
    badFrame(CODEC, op("a."));
    badFrame(CODEC, op(".a"));
  }

  @Test
  void aServerDeltaIsNotHeldToTheClientBounds() {
    FrameCodec small = FrameCodec.create(262_144, new FrameLimits(2, 256, 64));
    Delta delta =
        new Delta(
            SessionId.room("r"),
            1,
            "a/c",
            1,
            java.util.List.of(new DocOp.Set(path(5, "k"), null)),
            null);
    assertInstanceOf(
        DecodeResult.Decoded.class,
        small.decodeServer(new String(small.encode(Encoding.JSON, delta), StandardCharsets.UTF_8)));
  }

  @Test
  void clientNamesHaveAtMost64CharactersOfAnyScript() throws Exception {
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, hello("x".repeat(64))));
    // 64 characters outside the BMP are 128 UTF-16 units and 256 UTF-8 bytes: still 64 characters
    String emoji = "\uD83D\uDE00";
    DecodeResult<ClientFrame> wide = decode(CODEC, hello(emoji.repeat(64)));
    Hello h = (Hello) assertInstanceOf(DecodeResult.Decoded.class, wide).frame();
    assertEquals(emoji.repeat(64), h.client().name());
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, hello("Zoë Ångström 日本")));
    String message = badFrame(CODEC, hello("x".repeat(65)));
    assertTrue(message.contains("name"), message);
    badFrame(CODEC, hello("x".repeat(200_000)));
    FrameCodec small = FrameCodec.create(262_144, new FrameLimits(32, 256, 4));
    badFrame(small, hello("abcde"));
  }

  @Test
  void anAssetReferenceIsAnAssetId() throws Exception {
    assertInstanceOf(DecodeResult.Decoded.class, decode(CODEC, spawn("chair-2.v1_glb")));
    badFrame(CODEC, spawn("x".repeat(129)));
    badFrame(CODEC, spawn("x".repeat(200_000)));
    badFrame(CODEC, spawn("../etc/passwd"));
    badFrame(CODEC, spawn("a b"));
    badFrame(CODEC, spawn(""));
  }
}
