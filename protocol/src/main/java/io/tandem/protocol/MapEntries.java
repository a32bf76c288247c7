package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The entries of a map frame: keys checked against {@link MapKeys}, JSON null kept as null. */
final class MapEntries {
  private MapEntries() {}

  /**
   * An unmodifiable, insertion-ordered copy; a JSON null value becomes null (delete). Values are
   * not copied. {@link CheckedEntries} are taken as they are (their keys were checked already).
   *
   * @throws IllegalArgumentException when a key is invalid
   */
  static Map<String, JsonNode> copy(Map<String, JsonNode> entries) {
    if (entries == null) {
      return Map.of();
    }
    if (entries instanceof CheckedEntries checked) {
      return checked;
    }
    LinkedHashMap<String, JsonNode> copy =
        new LinkedHashMap<>(Math.max(4, entries.size() * 4 / 3 + 1));
    for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
      if (!MapKeys.valid(e.getKey())) {
        throw new IllegalArgumentException(
            "invalid key '" + abbreviate(e.getKey()) + "': must match " + MapKeys.PATTERN);
      }
      JsonNode v = e.getValue();
      copy.put(e.getKey(), v == null || v.isNull() || v.isMissingNode() ? null : v);
    }
    return Collections.unmodifiableMap(copy);
  }

  private static String abbreviate(String s) {
    return s == null ? "null" : s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
