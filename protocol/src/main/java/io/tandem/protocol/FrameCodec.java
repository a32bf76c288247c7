package io.tandem.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Encodes and decodes protocol v1 frames in JSON and CBOR (protocol sections 1, 2 and 7).
 * Thread-safe and immutable: create one per configuration and share it.
 *
 * <h2>Decoding</h2>
 *
 * <p>{@code decode*} never throws: every input gives a {@link DecodeResult.Decoded} or a {@link
 * DecodeResult.Rejected} whose {@link ProtocolError} is ready to be sent as an {@code error} frame.
 * In order:
 *
 * <ol>
 *   <li>Input above {@code maxFrameBytes} (UTF-8 bytes for text) is {@code too_big}, before any
 *       parsing.
 *   <li>Input that does not parse, is empty, is not a single object (trailing data included), or
 *       nests deeper than {@value #MAX_NESTING_DEPTH} levels is {@code bad_frame}.
 *   <li>{@code ref}, when present, must be an integer, else {@code bad_frame}; it is read first, so
 *       every later refusal carries it. The raw {@code session} string, when there is one, is
 *       carried on every refusal too, invalid or not.
 *   <li>{@code version} missing or not an integer: {@code bad_frame}; any other integer than 1:
 *       {@code unsupported_version}.
 *   <li>{@code type} missing or not a string: {@code bad_frame}; not a type of that direction
 *       ({@link FrameType}): {@code unknown_type}.
 *   <li>A frame type that needs a session without one: {@code bad_frame}; a session that does not
 *       parse as a {@link SessionId}: {@code invalid_session}.
 *   <li>{@code payload} absent (or null) is {@code {}}; present but not an object: {@code
 *       bad_frame}. Then the payload keys of the type are checked; a missing required key, a wrong
 *       type or a bad value is {@code bad_frame} with a message naming the key. Client frames are
 *       also held to the {@link FrameLimits} (keys of an {@code op} path, name length) and an
 *       object's {@code asset} must be an asset id.
 * </ol>
 *
 * <p>Lenient where a client author would expect it: unknown keys are ignored; an explicit {@code
 * null} for an optional key means absent; integers ({@code ref}, {@code seq}, {@code since}, ...)
 * are int64 and a floating value with no fractional part ({@code 1.0}) is accepted as the integer;
 * {@code bytes} is a CBOR byte string or a base64 string (standard or URL-safe alphabet, padding
 * optional) in either encoding. JSON values (events, doc values, presence, ping {@code t}) are kept
 * as given: numbers keep their type (int, long, big integer, double).
 *
 * <h2>Encoding</h2>
 *
 * <p>Writes {@code version}, {@code type}, {@code ref} and {@code session} when present, and always
 * a {@code payload} object. Optional keys with no value are left out, never written as {@code
 * null}; the only nulls are {@code snapshot.state} when recovered, removed objects in {@code
 * delta.objects}, members who left in the server's {@code presence.members} and deleted entries in
 * {@code put.entries} and {@code changes.entries}. {@code bytes} is a byte string in CBOR and a
 * standard base64 string (with padding) in JSON.
 */
public final class FrameCodec {

  /** The deepest nesting of objects and arrays a frame may have, envelope included. */
  public static final int MAX_NESTING_DEPTH = 500;

  /** Leaves room for the envelopes a decoded value gets re-wrapped in (replay items). */
  private static final int MAX_WRITE_NESTING_DEPTH = 2 * MAX_NESTING_DEPTH;

  private static final int MAX_MESSAGE_CHARS = 200;

  private final int maxFrameBytes;
  private final FrameLimits limits;
  private final ObjectMapper json;
  private final ObjectMapper cbor;

  private FrameCodec(int maxFrameBytes, FrameLimits limits) {
    this.maxFrameBytes = maxFrameBytes;
    this.limits = limits;
    StreamReadConstraints read =
        StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build();
    StreamWriteConstraints write =
        StreamWriteConstraints.builder().maxNestingDepth(MAX_WRITE_NESTING_DEPTH).build();
    this.json =
        JsonMapper.builder(
                jsonFactory().streamReadConstraints(read).streamWriteConstraints(write).build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    this.cbor =
        CBORMapper.builder(
                CBORFactory.builder()
                    .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                    .streamReadConstraints(read)
                    .streamWriteConstraints(write)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
  }

  /**
   * How frames are written as JSON text and read from it, also where a part of a frame is written
   * ahead ({@link EncodedPose}). Java 17's {@code Double.toString} and {@code parseDouble} were
   * most of the cost of a {@code poses} frame (docs/benchmarks.md, XR); Jackson's Schubfach writer
   * and fast parser give the shortest round-tripping digits for much less.
   *
   * <p>Field names are not interned ({@code String.intern}): a map's {@code put} carries thousands
   * of distinct keys ({@code p/<id>}) as object fields, which overflow Jackson's 180-entry intern
   * cache so that every key went through the JVM's string table again, about a tenth of a node's
   * samples under a graph producer (docs/benchmarks.md, maps). Nothing here compares names by
   * identity; the per-parser symbol table still shares the names of a frame's fixed fields.
   */
  static JsonFactoryBuilder jsonFactory() {
    return new JsonFactoryBuilder()
        .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER);
  }

  /**
   * A codec refusing frames above {@code maxFrameBytes}, with the default {@link FrameLimits}.
   *
   * @throws IllegalArgumentException when maxFrameBytes is not positive
   */
  public static FrameCodec create(int maxFrameBytes) {
    return create(maxFrameBytes, FrameLimits.DEFAULTS);
  }

  /**
   * A codec refusing frames above {@code maxFrameBytes} and client frames whose content crosses
   * {@code limits} ({@code bad_frame}).
   *
   * @throws IllegalArgumentException when maxFrameBytes is not positive
   */
  public static FrameCodec create(int maxFrameBytes, FrameLimits limits) {
    if (maxFrameBytes <= 0) {
      throw new IllegalArgumentException("maxFrameBytes must be positive");
    }
    return new FrameCodec(maxFrameBytes, java.util.Objects.requireNonNull(limits, "limits"));
  }

  /** The bounds client frames are read within. */
  public FrameLimits limits() {
    return limits;
  }

  /** The largest frame accepted, in bytes. */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /** Decodes a frame a client sent, in the given encoding. Never throws. */
  public DecodeResult<ClientFrame> decodeClient(Encoding encoding, byte[] data) {
    return decodeBytes(encoding, data, true);
  }

  /** Decodes a JSON text frame a client sent. Never throws. */
  public DecodeResult<ClientFrame> decodeClient(String json) {
    return decodeText(json, true);
  }

  /** Decodes a frame the server sent, in the given encoding. Never throws. */
  public DecodeResult<ServerFrame> decodeServer(Encoding encoding, byte[] data) {
    return decodeBytes(encoding, data, false);
  }

  /** Decodes a JSON text frame the server sent. Never throws. */
  public DecodeResult<ServerFrame> decodeServer(String json) {
    return decodeText(json, false);
  }

  /**
   * Encodes a frame: UTF-8 JSON text for {@link Encoding#JSON}, a CBOR map for {@link
   * Encoding#CBOR}.
   */
  public byte[] encode(Encoding encoding, Frame frame) {
    try {
      return mapper(encoding).writeValueAsBytes(FrameMappings.writeFrame(frame));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot encode " + frame.type() + " frame", e);
    }
  }

  /** Encodes a frame as JSON text. */
  public String encodeJson(Frame frame) {
    try {
      return json.writeValueAsString(FrameMappings.writeFrame(frame));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("cannot encode " + frame.type() + " frame", e);
    }
  }

  private ObjectMapper mapper(Encoding encoding) {
    return encoding == Encoding.CBOR ? cbor : json;
  }

  private <F extends Frame> DecodeResult<F> decodeBytes(
      Encoding encoding, byte[] data, boolean fromClient) {
    if (data == null || encoding == null) {
      return rejected(ErrorCode.BAD_FRAME, "empty frame");
    }
    if (data.length > maxFrameBytes) {
      return tooBig(data.length);
    }
    ObjectMapper mapper = mapper(encoding);
    return decode(() -> mapper.readTree(data), encoding, fromClient);
  }

  private <F extends Frame> DecodeResult<F> decodeText(String text, boolean fromClient) {
    if (text == null) {
      return rejected(ErrorCode.BAD_FRAME, "empty frame");
    }
    long size = utf8Length(text);
    if (size > maxFrameBytes) {
      return tooBig(size);
    }
    return decode(() -> json.readTree(text), Encoding.JSON, fromClient);
  }

  private interface TreeSource {
    JsonNode read() throws IOException;
  }

  @SuppressWarnings(
      "unchecked") // readFrame gives a client frame when fromClient, else a server one
  private <F extends Frame> DecodeResult<F> decode(
      TreeSource source, Encoding encoding, boolean fromClient) {
    try {
      JsonNode root;
      try {
        root = source.read();
      } catch (StreamConstraintsException e) {
        return rejected(ErrorCode.BAD_FRAME, "frame exceeds a parser limit: " + brief(e));
      } catch (JsonProcessingException e) {
        return rejected(
            ErrorCode.BAD_FRAME, "not a valid " + encoding.name() + " frame: " + brief(e));
      }
      if (root == null || root.isMissingNode()) {
        return rejected(ErrorCode.BAD_FRAME, "empty frame");
      }
      return new DecodeResult.Decoded<>(
          (F)
              FrameMappings.readFrame(
                  root, fromClient, fromClient ? limits : FrameLimits.UNBOUNDED));
    } catch (DecodeException e) {
      return new DecodeResult.Rejected<>(e.toError());
    } catch (IOException | RuntimeException | StackOverflowError e) {
      // not expected: a bug in a reader or the parser must still not kill the connection
      return rejected(
          ErrorCode.BAD_FRAME, "undecodable frame (" + e.getClass().getSimpleName() + ")");
    }
  }

  private <F extends Frame> DecodeResult<F> tooBig(long size) {
    return rejected(
        ErrorCode.TOO_BIG,
        "frame of " + size + " bytes exceeds the limit of " + maxFrameBytes + " bytes");
  }

  private static <F extends Frame> DecodeResult<F> rejected(ErrorCode code, String message) {
    return new DecodeResult.Rejected<>(new ProtocolError(code, message, null, null));
  }

  private static String brief(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (m == null) {
      return e.getClass().getSimpleName();
    }
    int newline = m.indexOf('\n');
    if (newline >= 0) {
      m = m.substring(0, newline);
    }
    return m.length() <= MAX_MESSAGE_CHARS ? m : m.substring(0, MAX_MESSAGE_CHARS) + "...";
  }

  /** The UTF-8 length of a string, without encoding it. */
  public static long utf8Length(String s) {
    long n = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        if (c < 0x800) {
          n += 1;
        } else if (Character.isHighSurrogate(c)
            && i + 1 < s.length()
            && Character.isLowSurrogate(s.charAt(i + 1))) {
          n += 2; // 4 bytes for the pair of 2 chars
          i++;
        } else {
          n += 2;
        }
      }
    }
    return n;
  }
}
