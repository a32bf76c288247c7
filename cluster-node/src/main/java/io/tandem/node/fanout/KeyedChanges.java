package io.tandem.node.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.map.MapSizes;
import io.tandem.protocol.Changes;
import io.tandem.protocol.SessionId;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A map's ephemeral values waiting in one connection's outbound queue (protocol 4.5 and 6),
 * coalesced per key: a newer value of a key replaces the one still waiting, so a receiver that
 * falls behind gets the latest value of each key, never the backlog. Confined to the stage's
 * thread.
 *
 * <p>As offered, it holds the hub's shared frame (encoded once per node and encoding); once a newer
 * offer merged into it, it holds its own entries and makes its own frames, each within {@code
 * partBytes} of entries. It is the open entry of its session (the one merges go into) until a
 * durable frame of the session is queued after it: values offered later go into a new entry behind
 * that durable frame, so no value overtakes a durable change of its key.
 */
final class KeyedChanges {
  final SessionId session;
  private Map<String, JsonNode> entries;
  private boolean owned;
  private OutFrame shared;
  private long bytes;

  KeyedChanges(SessionId session, Map<String, JsonNode> entries, long bytes, OutFrame shared) {
    this.session = session;
    this.entries = entries;
    this.bytes = bytes;
    this.shared = shared;
  }

  /** The estimated bytes of the values waiting. */
  long bytes() {
    return bytes;
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Merges newer values (a null or JSON null value: deleted); returns how many waiting values they
   * replaced.
   */
  int merge(Map<String, JsonNode> newer) {
    own();
    int replaced = 0;
    for (Map.Entry<String, JsonNode> e : newer.entrySet()) {
      String key = e.getKey();
      JsonNode v = e.getValue() == null || e.getValue().isNull() ? null : e.getValue();
      if (entries.containsKey(key)) {
        bytes -= MapSizes.entry(key, entries.remove(key));
        replaced++;
      }
      // re-inserted: the frame lists keys in the order of their latest change
      entries.put(key, v);
      bytes += MapSizes.entry(key, v);
    }
    return replaced;
  }

  /** The next frame to send: everything when it fits in {@code partBytes}, else a slice of it. */
  OutFrame take(int partBytes) {
    if (shared != null && bytes <= partBytes) {
      OutFrame out = shared;
      shared = null;
      entries = Map.of();
      bytes = 0;
      return out;
    }
    own();
    Map<String, JsonNode> slice = new LinkedHashMap<>();
    long size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      int b = MapSizes.entry(e.getKey(), e.getValue());
      if (!slice.isEmpty() && size + b > partBytes) {
        break;
      }
      slice.put(e.getKey(), e.getValue());
      size += b;
      it.remove();
    }
    bytes = entries.isEmpty() ? 0 : Math.max(0, bytes - size);
    return new OutFrame(Changes.ephemeral(session, slice));
  }

  private void own() {
    if (!owned) {
      entries = new LinkedHashMap<>(entries);
      owned = true;
      shared = null;
    }
  }
}
