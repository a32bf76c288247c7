package io.tandem.node.map;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.Subscriber;
import io.tandem.protocol.CheckedEntries;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits entries into chunks that each fit one frame (by {@link MapSizes}). The entries come from a
 * map's state, whose keys were checked when they were put, so each chunk is a {@link
 * CheckedEntries} that the frames carrying it take without checking and copying it again.
 */
public final class MapChunks {
  private MapChunks() {}

  /**
   * {@code entries} (a null value: deleted) in order, in chunks of at most {@code partBytes}
   * estimated bytes each (an entry larger than that alone in its chunk); no chunk when empty.
   */
  public static List<Subscriber.EntryChunk> of(Map<String, JsonNode> entries, int partBytes) {
    List<Subscriber.EntryChunk> chunks = new ArrayList<>();
    LinkedHashMap<String, JsonNode> current = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<String, JsonNode> e : entries.entrySet()) {
      int bytes = MapSizes.entry(e.getKey(), e.getValue());
      if (!current.isEmpty() && size + bytes > partBytes) {
        chunks.add(new Subscriber.EntryChunk(CheckedEntries.of(current, true), size));
        current = new LinkedHashMap<>();
        size = 0;
      }
      current.put(e.getKey(), e.getValue());
      size += bytes;
    }
    if (!current.isEmpty()) {
      chunks.add(new Subscriber.EntryChunk(CheckedEntries.of(current, true), size));
    }
    return chunks;
  }

  /**
   * A map's entries (no deleted ones) in chunks as {@link #of} cuts them, sized by the bound each
   * item keeps ({@link MapSizes#entry} of it), without walking the values again: a snapshot's
   * parts, cut on the entity's thread while a joiner waits.
   */
  static List<Subscriber.EntryChunk> ofItems(Map<String, MapState.Item> entries, int partBytes) {
    List<Subscriber.EntryChunk> chunks = new ArrayList<>();
    LinkedHashMap<String, JsonNode> current = new LinkedHashMap<>();
    long size = 0;
    for (Map.Entry<String, MapState.Item> e : entries.entrySet()) {
      String key = e.getKey();
      int bytes = key.length() + 4 + e.getValue().bytes();
      if (!current.isEmpty() && size + bytes > partBytes) {
        chunks.add(new Subscriber.EntryChunk(CheckedEntries.of(current, false), size));
        current = new LinkedHashMap<>(current.size() * 4 / 3 + 1);
        size = 0;
      }
      current.put(key, e.getValue().value());
      size += bytes;
    }
    if (!current.isEmpty()) {
      chunks.add(new Subscriber.EntryChunk(CheckedEntries.of(current, false), size));
    }
    return chunks;
  }
}
