package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Defensive copies and checks shared by the value and frame records. */
final class Values {

  private Values() {}

  /** A deep copy of a JSON value (null stays null), so a record never shares a mutable node. */
  static JsonNode json(JsonNode node) {
    return node == null ? null : node.deepCopy();
  }

  /** A deep copy of a JSON object, or an empty object for null. */
  static ObjectNode objectOrEmpty(JsonNode node, String what) {
    if (node == null) {
      return JsonNodeFactory.instance.objectNode();
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(what + " must be a JSON object");
    }
    return ((ObjectNode) node).deepCopy();
  }

  /** An unmodifiable copy of a list of JSON values, each deep-copied; null gives an empty list. */
  static List<JsonNode> jsonList(List<JsonNode> nodes) {
    if (nodes == null) {
      return List.of();
    }
    return nodes.stream().<JsonNode>map(JsonNode::deepCopy).toList();
  }

  /**
   * An unmodifiable, insertion-ordered copy of a map whose values may be null (null stays null, as
   * on the wire); keys must not be null. A null map stays null.
   */
  static <V> Map<String, V> mapWithNulls(Map<String, V> map) {
    if (map == null) {
      return null;
    }
    LinkedHashMap<String, V> copy = new LinkedHashMap<>(map);
    if (copy.containsKey(null)) {
      throw new NullPointerException("map key");
    }
    return Collections.unmodifiableMap(copy);
  }

  /** Like {@link #mapWithNulls} but values must not be null; a null map gives an empty map. */
  static <V> Map<String, V> map(Map<String, V> map, String what) {
    if (map == null) {
      return Map.of();
    }
    Map<String, V> copy = mapWithNulls(map);
    for (V v : copy.values()) {
      if (v == null) {
        throw new NullPointerException(what + " has a null value");
      }
    }
    return copy;
  }

  /** Checks an optional vector: null, or exactly {@code size} finite numbers; returns a copy. */
  static List<Double> vector(List<Double> v, int size, String what) {
    if (v == null) {
      return null;
    }
    if (v.size() != size) {
      throw new IllegalArgumentException(what + " must have " + size + " numbers");
    }
    for (Double d : v) {
      if (d == null || !Double.isFinite(d)) {
        throw new IllegalArgumentException(what + " must hold finite numbers");
      }
    }
    return List.copyOf(v);
  }
}
