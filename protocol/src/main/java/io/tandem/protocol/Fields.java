package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Typed reads of one JSON object of a frame, refusing wrong types with a {@code bad_frame} that
 * names the key ({@code "join: payload.since must be an integer >= 0"}). An explicit JSON {@code
 * null} counts as absent.
 */
final class Fields {

  private final ObjectNode node;
  private final String where;

  /**
   * @param node the object read
   * @param where how messages name it, e.g. {@code "join: payload"}
   */
  Fields(ObjectNode node, String where) {
    this.node = node;
    this.where = where;
  }

  ObjectNode node() {
    return node;
  }

  /** How messages name a key of this object. */
  String where(String key) {
    return where + "." + key;
  }

  /** A refusal naming a key. */
  DecodeException bad(String key, String problem) {
    return DecodeException.badFrame(where(key) + " " + problem);
  }

  /** A refusal naming this object. */
  DecodeException bad(String problem) {
    return DecodeException.badFrame(where + " " + problem);
  }

  static boolean absent(JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode();
  }

  /** The value of a key, or null when absent or JSON null. */
  JsonNode get(String key) {
    JsonNode v = node.get(key);
    return absent(v) ? null : v;
  }

  String reqString(String key) {
    String s = optString(key);
    if (s == null) {
      throw bad(key, "is required");
    }
    return s;
  }

  String optString(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw bad(key, "must be a string");
    }
    return v.textValue();
  }

  long reqLong(String key, long min) {
    Long v = optLong(key, min);
    if (v == null) {
      throw bad(key, "is required");
    }
    return v;
  }

  Long optLong(String key, long min) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    Long l = integral(v);
    if (l == null || l < min) {
      throw bad(key, min == Long.MIN_VALUE ? "must be an integer" : "must be an integer >= " + min);
    }
    return l;
  }

  int reqInt(String key, int min) {
    long l = reqLong(key, min);
    if (l > Integer.MAX_VALUE) {
      throw bad(key, "must be at most " + Integer.MAX_VALUE);
    }
    return (int) l;
  }

  boolean optBool(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return false;
    }
    if (!v.isBoolean()) {
      throw bad(key, "must be true or false");
    }
    return v.booleanValue();
  }

  /** An optional finite number at least {@code min}, or {@code null}. */
  Double optDouble(String key, double min) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    Double d = finite(v);
    if (d == null || d < min) {
      throw bad(
          key,
          min == Double.NEGATIVE_INFINITY
              ? "must be a finite number"
              : "must be a finite number >= " + format(min));
    }
    return d;
  }

  double reqDouble(String key, double min) {
    Double d = optDouble(key, min);
    if (d == null) {
      throw bad(key, "is required");
    }
    return d;
  }

  /** An optional number kept as the node it arrived as. */
  JsonNode optNumber(String key) {
    JsonNode v = get(key);
    if (v != null && !v.isNumber()) {
      throw bad(key, "must be a number");
    }
    return v;
  }

  /** An optional JSON object, or null. */
  ObjectNode optObject(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isObject()) {
      throw bad(key, "must be an object");
    }
    return (ObjectNode) v;
  }

  /** An optional nested object to read, or null. */
  Fields optChild(String key) {
    ObjectNode o = optObject(key);
    return o == null ? null : new Fields(o, where(key));
  }

  Fields reqChild(String key) {
    Fields f = optChild(key);
    if (f == null) {
      throw bad(key, "is required");
    }
    return f;
  }

  ArrayNode optArray(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (!v.isArray()) {
      throw bad(key, "must be an array");
    }
    return (ArrayNode) v;
  }

  ArrayNode reqArray(String key) {
    ArrayNode a = optArray(key);
    if (a == null) {
      throw bad(key, "is required");
    }
    return a;
  }

  /** The elements of an optional array of any JSON values, JSON null kept; empty when absent. */
  List<JsonNode> jsonValues(String key) {
    ArrayNode a = optArray(key);
    List<JsonNode> values = new ArrayList<>(a == null ? 0 : a.size());
    if (a != null) {
      a.forEach(values::add);
    }
    return values;
  }

  /** An optional array of exactly {@code size} finite numbers, or null. */
  List<Double> vector(String key, int size) {
    ArrayNode a = optArray(key);
    if (a == null) {
      return null;
    }
    if (a.size() != size) {
      throw bad(key, "must have " + size + " numbers");
    }
    List<Double> v = new ArrayList<>(size);
    for (JsonNode n : a) {
      Double d = finite(n);
      if (d == null) {
        throw bad(key, "must hold finite numbers");
      }
      v.add(d);
    }
    return v;
  }

  /**
   * An optional binary value: a CBOR byte string, or a base64 string (standard or URL-safe
   * alphabet, padding optional) in either encoding.
   */
  Blob optBytes(String key) {
    JsonNode v = get(key);
    if (v == null) {
      return null;
    }
    if (v.isBinary()) {
      try {
        return Blob.wrap(v.binaryValue());
      } catch (java.io.IOException e) {
        throw bad(key, "is not readable binary data");
      }
    }
    if (v.isTextual()) {
      String s = v.textValue();
      try {
        boolean url = s.indexOf('-') >= 0 || s.indexOf('_') >= 0;
        return Blob.wrap((url ? Base64.getUrlDecoder() : Base64.getDecoder()).decode(s));
      } catch (IllegalArgumentException e) {
        throw bad(key, "must be valid base64");
      }
    }
    throw bad(key, "must be a byte string (CBOR) or a base64 string (JSON)");
  }

  /**
   * An integral number as a long, or null when the node is not one or out of range. Floating values
   * with no fractional part ({@code 1.0}, {@code 1e3}) are accepted as integers.
   */
  static Long integral(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? v.longValue() : null;
    }
    if (v.isFloatingPointNumber()) {
      if ((v.isDouble() || v.isFloat()) && !Double.isFinite(v.doubleValue())) {
        return null;
      }
      try {
        return v.decimalValue().longValueExact();
      } catch (ArithmeticException e) {
        return null;
      }
    }
    return null;
  }

  /** A finite number as a double, or null when the node is not one. */
  static Double finite(JsonNode v) {
    if (!v.isNumber()) {
      return null;
    }
    double d = v.doubleValue();
    return Double.isFinite(d) ? d : null;
  }

  private static String format(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
