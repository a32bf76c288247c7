package io.tandem.node.fanout;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.Subscriber;
import io.tandem.protocol.SessionId;
import io.tandem.protocol.SnapshotPart;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A hub's side of a map's snapshots in parts (protocol 4.5): the parts' frames, built once per node
 * for every connection that gets the same cut of the state (same seq and version), so each is
 * encoded at most once per encoding however many join; and the connections collecting their parts
 * before they get any of them. Confined to the hub's thread.
 */
final class MapSnapshots {
  private final SessionId session;
  private long seq = -1;
  private long version;
  private final Map<Integer, OutFrame> frames = new HashMap<>();

  /** A connection's snapshot frame and the parts it waits for. */
  static final class Pending {
    final OutFrame snapshot;
    final long seq;
    final int parts;
    final List<OutFrame> got = new ArrayList<>();

    Pending(OutFrame snapshot, long seq, int parts) {
      this.snapshot = snapshot;
      this.seq = seq;
      this.parts = parts;
    }

    boolean complete() {
      return got.size() == parts - 1;
    }
  }

  MapSnapshots(SessionId session) {
    this.session = session;
  }

  /** The frame of a part, shared with every other connection given the same cut. */
  OutFrame part(Subscriber.MapPart p) {
    if (p.seq() != seq || p.version() != version) {
      frames.clear();
      seq = p.seq();
      version = p.version();
    }
    return frames.computeIfAbsent(
        p.part(), i -> new OutFrame(new SnapshotPart(session, p.seq(), i, p.entries())));
  }

  /** Forgets the frames (no connection is waiting for parts). */
  void clear() {
    frames.clear();
    seq = -1;
  }

  /** Newer values merged over older ones (for a connection that cannot take them yet). */
  static Map<String, JsonNode> merge(Map<String, JsonNode> held, Map<String, JsonNode> newer) {
    Map<String, JsonNode> out = held == null ? new LinkedHashMap<>() : held;
    out.putAll(newer);
    return out;
  }
}
