package io.tandem.persistence.snapshot;

import java.util.List;

/**
 * A {@link SnapshotInParts} as {@link PartsSnapshotStore} loaded it: the head and the parts, each
 * deserialized, in order.
 */
public record SnapshotParts(Object head, List<Object> parts) {
  public SnapshotParts {
    parts = List.copyOf(parts);
  }
}
