package io.tandem.node.map;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Sizes of map entries as they travel: an upper bound of their encoded size in JSON and in CBOR,
 * whichever is larger, computed by walking the value (never by encoding it). The limits of a map
 * (bytes per value, bytes of state) and the splitting of snapshots and changes into frames within
 * {@code maxFrameBytes} use it, so a frame built from it fits in either encoding.
 */
public final class MapSizes {
  private MapSizes() {}

  /** Bytes a frame needs besides its entries (envelope, session, seq, part, by, ts). */
  public static final int FRAME_OVERHEAD = 1024;

  /**
   * An upper bound of the encoded size of one entry ({@code "key":value,}), value null: deleted.
   */
  public static int entry(String key, JsonNode value) {
    return key.length() + 4 + (value == null ? 4 : value(value));
  }

  /** An upper bound of the encoded size of a JSON value in JSON and in CBOR. */
  public static int value(JsonNode v) {
    switch (v.getNodeType()) {
      case NULL, MISSING:
        return 4;
      case BOOLEAN:
        return 5;
      case NUMBER:
        if (v.isInt() || v.isLong() || v.isShort()) {
          long l = v.longValue();
          return l >= 0 && l < 10 ? 1 : Math.max(9, Long.toString(l).length());
        }
        if (v.isDouble() || v.isFloat()) {
          // Jackson's shortest form of a double is at most 24 characters; CBOR takes 9 bytes
          return 24;
        }
        // big integers and decimals
        return v.asText().length() + 16;
      case STRING:
        return text(v.textValue());
      case BINARY:
        {
          int n = v.isBinary() ? binaryLength(v) : 0;
          return Math.max(4 * ((n + 2) / 3) + 2, n + 9);
        }
      case ARRAY:
        {
          long size = 9;
          for (JsonNode e : v) {
            size += value(e) + 1;
          }
          return (int) Math.min(Integer.MAX_VALUE, size);
        }
      case OBJECT:
        {
          long size = 9;
          for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            size += text(f.getKey()) + value(f.getValue()) + 2;
          }
          return (int) Math.min(Integer.MAX_VALUE, size);
        }
      case POJO:
      default:
        return v.toString().length() * 2 + 16;
    }
  }

  private static int binaryLength(JsonNode v) {
    try {
      return v.binaryValue().length;
    } catch (java.io.IOException e) {
      return 0;
    }
  }

  /** A string: JSON with quotes and escapes, or CBOR's UTF-8 with its header. */
  private static int text(String s) {
    long json = 2;
    long utf8 = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20) {
        json += 6;
        utf8 += 1;
      } else if (c == '"' || c == '\\') {
        json += 2;
        utf8 += 1;
      } else if (c < 0x80) {
        json += 1;
        utf8 += 1;
      } else if (c < 0x800) {
        json += 2;
        utf8 += 2;
      } else {
        // a surrogate pair counts 3 + 3, more than its 4 bytes
        json += 3;
        utf8 += 3;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, Math.max(json, utf8 + 9));
  }
}
