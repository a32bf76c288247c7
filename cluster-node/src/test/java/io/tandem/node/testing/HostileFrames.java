package io.tandem.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A seeded generator of hostile WebSocket frames for the abuse suite and its longer run in bench/
 * (issue 18). Everything comes from one {@link Random}: the same seed gives the same frames.
 *
 * <p>{@link #invalid} makes frames that every server of protocol v1 refuses whoever sends them,
 * even an editor joined to the room they name: each is built from a valid frame of the room and
 * then given at least one defect the protocol refuses (docs/protocol.md, Decoding rules and the
 * room's bounds): a wrong or missing version, type, ref, session or payload, an unknown type, role,
 * op or action, a path too deep or with a key too long or empty, a value nested past the document's
 * depth, too many ops, a presence or a frame over its limit, a bad asset id, an unpaired surrogate,
 * a non-finite number, trailing data, a top level that is not an object, or bytes cut short; in
 * JSON text or CBOR binary. {@link #any} adds frames that could by chance be valid (bytes of a
 * valid frame flipped, random bytes), for clients that may not change the room. {@link
 * #protocolGarbage} makes WebSocket-level violations (written raw).
 *
 * <p>Why this file is over 500 lines: it is one catalogue, a short builder per defect the protocol
 * refuses, drawn from one random source; split, the catalogue would no longer read as the list of
 * what a server must refuse.
 */
public final class HostileFrames {
  /** How a frame goes on the wire. */
  public enum Kind {
    /** A text frame (JSON, or garbage). */
    TEXT,
    /** A binary frame (CBOR, or garbage). */
    BINARY
  }

  /** One hostile frame: its kind, its bytes and what is wrong with it (for the report). */
  public record Frame(Kind kind, byte[] bytes, String defect) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final CBORMapper CBOR = new CBORMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String NAN_MARK = "\"@@nan@@\"";
  private static final String SURROGATE_MARK = "@@surrogate@@";

  private static final List<String> TEMPLATES =
      List.of(
          "op",
          "op-del",
          "spawn",
          "grab",
          "move",
          "release",
          "remove",
          "presence",
          "join",
          "leave",
          "hello",
          "ping");

  private final Random random;
  private final String room;
  private final int maxFrameBytes;
  private final double hugeShare;
  private long ref;

  /**
   * @param seed the seed of every choice
   * @param room the session the frames name ({@code room:<name>})
   * @param maxFrameBytes the node's {@code tandem.ws.max-frame-bytes}: oversized frames pass it
   * @param hugeShare the share (0 to 1) of size choices that may be large (long keys, strings and
   *     paths of up to hundreds of KB, frames over the limit); the others stay within 64 extra
   */
  public HostileFrames(long seed, String room, int maxFrameBytes, double hugeShare) {
    this.random = new Random(seed);
    this.room = room;
    this.maxFrameBytes = maxFrameBytes;
    this.hugeShare = hugeShare;
  }

  public Random random() {
    return random;
  }

  /** A random length below {@code bound}; past 64 only for the huge share of frames. */
  private int extra(int bound) {
    return random.nextInt(random.nextDouble() < hugeShare ? bound : Math.min(bound, 64));
  }

  /** A frame the protocol refuses whoever sends it (see the class comment). */
  public Frame invalid() {
    String template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
    ObjectNode frame = template(template);
    boolean cbor = random.nextBoolean();
    int defect = random.nextInt(22);
    String label = template + "/";
    JsonNode top = frame;
    String text = null;
    switch (defect) {
      case 0 -> {
        frame.remove("version");
        label += "version-missing";
      }
      case 1 -> {
        frame.set(
            "version",
            pick(
                NODES.numberNode(2),
                NODES.textNode("1"),
                NODES.numberNode(1.5),
                NODES.numberNode(-1),
                NODES.numberNode(Long.MAX_VALUE),
                NODES.arrayNode()));
        label += "version-wrong";
      }
      case 2 -> {
        frame.put("type", "x-" + word(1 + random.nextInt(12)));
        label += "type-unknown";
      }
      case 3 -> {
        frame.set(
            "type",
            pick(
                NODES.numberNode(7),
                NODES.arrayNode().add("op"),
                NODES.objectNode(),
                NODES.booleanNode(true)));
        label += "type-wrong";
      }
      case 4 -> {
        frame.set(
            "ref",
            pick(
                NODES.textNode("abc"),
                NODES.numberNode(1.5),
                NODES.objectNode(),
                NODES.arrayNode().add(1),
                NODES.booleanNode(false)));
        label += "ref-wrong";
      }
      case 5 -> {
        frame.set(
            "session",
            pick(
                NODES.textNode("room:bad name!"),
                NODES.textNode("room:" + "a".repeat(129 + extra(2000))),
                NODES.textNode("lobby:" + word(6)),
                NODES.textNode("room:"),
                NODES.numberNode(42),
                NODES.textNode("room:../" + word(4)),
                NODES.arrayNode().add(room)));
        if (!frame.has("payload") || isSessionless(template)) {
          frame.put("type", "op"); // a session frame whose session is wrong
        }
        label += "session-invalid";
      }
      case 6 -> {
        frame.remove("session");
        frame.put("type", pick("op", "object", "presence", "join", "leave"));
        label += "session-missing";
      }
      case 7 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", opPayload(deepPath(33 + extra(30_000)), "set"));
        label = "op/path-deep";
      }
      case 8 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", opPayload("a." + "k".repeat(257 + extra(20_000)), "set"));
        label = "op/key-long";
      }
      case 9 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        ObjectNode p = opPayload("a", "set");
        JsonNode path =
            pick(
                NODES.textNode("a..b"),
                NODES.textNode(""),
                NODES.textNode(".a"),
                NODES.textNode("a."),
                NODES.numberNode(5),
                NODES.arrayNode().add("a"),
                NODES.objectNode(),
                NODES.nullNode());
        ((ObjectNode) p.get("ops").get(0)).set("path", path);
        frame.set("payload", p);
        label = "op/path-wrong";
      }
      case 10 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", opPayload("a", pick("explode", "SET", "", "merge")));
        label = "op/op-unknown";
      }
      case 11 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        ObjectNode p = NODES.objectNode();
        ArrayNode ops = p.putArray("ops");
        int n = 101 + random.nextInt(400);
        for (int i = 0; i < n; i++) {
          ops.add(opPayload("k" + i, "set").get("ops").get(0));
        }
        frame.set("payload", p);
        label = "op/ops-too-many";
      }
      case 12 -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        ObjectNode p = opPayload("a", "set");
        ((ObjectNode) p.get("ops").get(0)).set("value", nested(70 + extra(700)));
        frame.set("payload", p);
        label = "op/value-deep";
      }
      case 13 -> {
        frame.put("type", "object");
        frame.set("session", NODES.textNode(room));
        ObjectNode p = objectPayload("spawn");
        p.set(
            "asset",
            pick(
                NODES.textNode("../../etc/passwd"),
                NODES.textNode("a b"),
                NODES.textNode("x".repeat(129 + extra(200_000))),
                NODES.textNode(""),
                NODES.numberNode(3),
                NODES.textNode("é")));
        frame.set("payload", p);
        label = "object/asset-bad";
      }
      case 14 -> {
        frame.put("type", "presence");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", NODES.objectNode().put("cursor", "c".repeat(5000 + extra(50_000))));
        label = "presence/too-big";
      }
      case 15 -> {
        frame.put("type", "join");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", NODES.objectNode().put("role", pick("admin", "owner", "", "EDITOR")));
        label = "join/role-unknown";
      }
      case 16 -> {
        frame.put("type", "hello");
        frame.remove("session");
        ObjectNode p = NODES.objectNode().put("token", "x");
        p.putObject("client").put("name", "n".repeat(65 + extra(100_000))).put("kind", "bot");
        frame.set("payload", p);
        label = "hello/name-long";
      }
      case 17 -> {
        top =
            pick(
                NODES.arrayNode().add(frame),
                NODES.numberNode(random.nextLong()),
                NODES.textNode(word(20)),
                NODES.nullNode(),
                hugeArray());
        label += "not-an-object";
      }
      case 18 -> {
        if (random.nextDouble() < hugeShare) {
          // a value past the frame limit: refused before it is read
          frame.put("padding", "p".repeat(maxFrameBytes + 1 + random.nextInt(maxFrameBytes)));
          label += "oversized";
        } else {
          frame.put("type", "X" + word(3));
          label += "type-unknown";
        }
      }
      case 19 -> {
        if (cbor) {
          frame.put("type", "op");
          frame.set("session", NODES.textNode(room));
          ObjectNode p = opPayload("a", "set");
          ((ObjectNode) p.get("ops").get(0))
              .put("value", pick(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY));
          frame.set("payload", p);
          label = "op/non-finite";
        } else {
          ObjectNode p = opPayload("a", "set");
          ((ObjectNode) p.get("ops").get(0)).put("value", "@@nan@@");
          frame.put("type", "op");
          frame.set("session", NODES.textNode(room));
          frame.set("payload", p);
          text = encodeText(frame).replace(NAN_MARK, pick("NaN", "Infinity", "-Infinity"));
          label = "op/non-finite";
        }
      }
      case 20 -> {
        cbor = false;
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        frame.set("payload", opPayload("a." + SURROGATE_MARK, "set"));
        text = encodeText(frame).replace(SURROGATE_MARK, pick("\\ud800", "\\udfff", "x\\ud83d"));
        label = "op/unpaired-surrogate";
      }
      default -> {
        frame.put("type", "op");
        frame.set("session", NODES.textNode(room));
        ObjectNode p = opPayload("a", "set");
        p.set(
            "key",
            pick(
                NODES.textNode(""),
                NODES.textNode("k".repeat(129 + random.nextInt(500))),
                NODES.numberNode(5),
                NODES.arrayNode()));
        frame.set("payload", p);
        label = "op/key-bad";
      }
    }
    byte[] bytes;
    Kind kind;
    if (text != null) {
      kind = Kind.TEXT;
      bytes = text.getBytes(StandardCharsets.UTF_8);
    } else if (cbor) {
      kind = Kind.BINARY;
      bytes = encodeCbor(top);
    } else {
      kind = Kind.TEXT;
      bytes = encodeText(top).getBytes(StandardCharsets.UTF_8);
    }
    // a second defect on top, now and then: cut short, or followed by more data
    int extra = random.nextInt(8);
    if (extra == 0 && bytes.length > 2 && top.isObject()) {
      bytes = Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1));
      label += "+truncated";
    } else if (extra == 1 && top.isObject()) {
      byte[] tail = kind == Kind.TEXT ? " {}x".getBytes(StandardCharsets.UTF_8) : new byte[] {0x01};
      byte[] longer = Arrays.copyOf(bytes, bytes.length + tail.length);
      System.arraycopy(tail, 0, longer, bytes.length, tail.length);
      bytes = longer;
      label += "+trailing";
    }
    return new Frame(kind, bytes, (kind == Kind.TEXT ? "json:" : "cbor:") + label);
  }

  /**
   * Any hostile frame: an {@link #invalid} one, or the bytes of a valid frame of the room with bits
   * flipped, or random bytes. Some of these may by chance be valid frames: only for clients that
   * may not change the room.
   */
  public Frame any() {
    int pick = random.nextInt(10);
    if (pick < 6) {
      return invalid();
    }
    if (pick < 9) {
      String template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
      boolean cbor = random.nextBoolean();
      byte[] bytes =
          cbor
              ? encodeCbor(template(template))
              : encodeText(template(template)).getBytes(StandardCharsets.UTF_8);
      int flips = 1 + random.nextInt(4);
      for (int i = 0; i < flips; i++) {
        bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      }
      return new Frame(
          cbor ? Kind.BINARY : Kind.TEXT,
          bytes,
          (cbor ? "cbor:" : "json:") + template + "/bits-flipped");
    }
    byte[] bytes = new byte[random.nextInt(2048)];
    random.nextBytes(bytes);
    return new Frame(random.nextBoolean() ? Kind.BINARY : Kind.TEXT, bytes, "random-bytes");
  }

  /**
   * Raw bytes that break the WebSocket framing itself (the node's stack closes with 1002 or 1007):
   * an unmasked frame, a reserved opcode, reserved bits, a control frame over 125 bytes or
   * fragmented, a continuation with nothing to continue, a 64-bit length with its top bit set.
   */
  public Frame protocolGarbage() {
    int pick = random.nextInt(7);
    return switch (pick) {
      case 0 -> new Frame(Kind.TEXT, new byte[] {(byte) 0x81, 0x02, 'h', 'i'}, "ws:unmasked");
      case 1 ->
          new Frame(
              Kind.BINARY,
              masked(0x80 | (3 + random.nextInt(5)), new byte[4]),
              "ws:reserved-opcode");
      case 2 ->
          new Frame(
              Kind.TEXT, masked(0xF1, "{}".getBytes(StandardCharsets.UTF_8)), "ws:reserved-bits");
      case 3 ->
          new Frame(
              Kind.BINARY, masked(0x89, new byte[126 + random.nextInt(200)]), "ws:ping-over-125");
      case 4 -> new Frame(Kind.BINARY, masked(0x09, new byte[2]), "ws:fragmented-ping");
      case 5 ->
          new Frame(
              Kind.TEXT,
              masked(0x80, "x".getBytes(StandardCharsets.UTF_8)),
              "ws:continuation-of-nothing");
      default ->
          new Frame(
              Kind.BINARY,
              new byte[] {(byte) 0x82, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4},
              "ws:length-top-bit");
    };
  }

  /** The first bytes of a frame that announces {@code length} bytes of payload (half-open). */
  public byte[] halfFrame() {
    byte[] whole = masked(0x81, new byte[200 + random.nextInt(2000)]);
    return Arrays.copyOf(whole, 2 + random.nextInt(whole.length - 10));
  }

  private byte[] masked(int b0, byte[] payload) {
    int n = payload.length;
    byte[] head =
        n < 126
            ? new byte[] {(byte) b0, (byte) (0x80 | n)}
            : new byte[] {(byte) b0, (byte) (0x80 | 126), (byte) (n >>> 8), (byte) n};
    byte[] out = Arrays.copyOf(head, head.length + 4 + n);
    byte[] mask = new byte[4];
    random.nextBytes(mask);
    System.arraycopy(mask, 0, out, head.length, 4);
    for (int i = 0; i < n; i++) {
      out[head.length + 4 + i] = (byte) (payload[i] ^ mask[i & 3]);
    }
    return out;
  }

  /** A valid frame of the room (before its defect). */
  private ObjectNode template(String template) {
    ObjectNode f = NODES.objectNode();
    f.put("version", 1);
    f.put("ref", ++ref);
    switch (template) {
      case "op" -> {
        f.put("type", "op");
        f.put("session", room);
        f.set("payload", opPayload("a." + word(3), "set"));
      }
      case "op-del" -> {
        f.put("type", "op");
        f.put("session", room);
        f.set("payload", opPayload("a." + word(3), "del"));
      }
      case "spawn", "grab", "move", "release", "remove" -> {
        f.put("type", "object");
        f.put("session", room);
        f.set("payload", objectPayload(template));
      }
      case "presence" -> {
        f.put("type", "presence");
        f.put("session", room);
        f.set("payload", NODES.objectNode().put("cursor", random.nextInt(100)));
      }
      case "join" -> {
        f.put("type", "join");
        f.put("session", room);
        f.set("payload", NODES.objectNode().put("role", "editor"));
      }
      case "leave" -> {
        f.put("type", "leave");
        f.put("session", room);
        f.set("payload", NODES.objectNode());
      }
      case "hello" -> {
        f.put("type", "hello");
        f.set("payload", NODES.objectNode().put("token", "x." + word(10) + ".y"));
      }
      default -> {
        f.put("type", "ping");
        f.set("payload", NODES.objectNode().put("t", random.nextInt()));
      }
    }
    return f;
  }

  private static boolean isSessionless(String template) {
    return template.equals("hello") || template.equals("ping");
  }

  private ObjectNode opPayload(String path, String op) {
    ObjectNode p = NODES.objectNode();
    ObjectNode o = p.putArray("ops").addObject().put("op", op).put("path", path);
    if (!op.equals("del")) {
      o.put("value", random.nextInt(1000));
    }
    return p;
  }

  private ObjectNode objectPayload(String action) {
    ObjectNode p = NODES.objectNode().put("action", action).put("id", "o-" + word(4));
    if (action.equals("spawn")) {
      p.put("asset", "cube");
    }
    ObjectNode t = p.putObject("transform");
    t.putArray("p").add(random.nextDouble()).add(0).add(0);
    return p;
  }

  private String deepPath(int segments) {
    StringBuilder b = new StringBuilder(segments * 2);
    for (int i = 0; i < segments; i++) {
      if (i > 0) {
        b.append('.');
      }
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  private static JsonNode nested(int depth) {
    JsonNode v = NODES.numberNode(1);
    for (int i = 0; i < depth; i++) {
      ObjectNode o = NODES.objectNode();
      o.set("n", v);
      v = o;
    }
    return v;
  }

  private ArrayNode hugeArray() {
    ArrayNode a = NODES.arrayNode();
    int n = 1 + extra(100_000);
    for (int i = 0; i < n; i++) {
      a.add(i);
    }
    return a;
  }

  private String word(int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = (char) ('a' + random.nextInt(26));
    }
    return new String(c);
  }

  @SafeVarargs
  private <T> T pick(T... choices) {
    return choices[random.nextInt(choices.length)];
  }

  private static String encodeText(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] encodeCbor(JsonNode node) {
    try {
      return CBOR.writeValueAsBytes(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
