package io.tandem.node.recording;

import io.tandem.persistence.blob.BlobRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytes of the blobs that a recording's static batches and live buffer reference, so that
 * viewers get them without a read: one copy per distinct blob, counted by the batches holding it,
 * forgotten when the last of them leaves the buffer. After a recovery the references are there
 * before their bytes ({@link #missing()}), until the entity has read them from the blob store.
 * Confined to its entity, like {@link RecordingState}.
 */
final class PayloadCache {
  private static final class Held {
    final BlobRef ref;
    byte[] bytes;
    int batches;

    Held(BlobRef ref) {
      this.ref = ref;
    }
  }

  private final Map<String, Held> held = new HashMap<>();

  /** One more batch references {@code ref}; {@code bytes} may be null (not read yet). */
  void hold(BlobRef ref, byte[] bytes) {
    Held h = held.computeIfAbsent(ref.hash(), k -> new Held(ref));
    h.batches++;
    if (h.bytes == null) {
      h.bytes = bytes;
    }
  }

  /** One batch fewer references {@code ref}; the bytes go when none does. */
  void release(BlobRef ref) {
    Held h = held.get(ref.hash());
    if (h != null && --h.batches <= 0) {
      held.remove(ref.hash());
    }
  }

  /** The bytes of {@code ref}, or null when not (yet) in memory. */
  byte[] bytes(BlobRef ref) {
    Held h = held.get(ref.hash());
    return h == null ? null : h.bytes;
  }

  /** Fills in bytes read from the store, for a blob still referenced. */
  void fill(BlobRef ref, byte[] bytes) {
    Held h = held.get(ref.hash());
    if (h != null && h.bytes == null) {
      h.bytes = bytes;
    }
  }

  /** Referenced blobs whose bytes are not in memory. */
  List<BlobRef> missing() {
    List<BlobRef> out = new ArrayList<>();
    for (Held h : held.values()) {
      if (h.bytes == null) {
        out.add(h.ref);
      }
    }
    return out;
  }

  /** Bytes held, each distinct blob once. */
  long bytesHeld() {
    long n = 0;
    for (Held h : held.values()) {
      n += h.bytes == null ? 0 : h.bytes.length;
    }
    return n;
  }
}
