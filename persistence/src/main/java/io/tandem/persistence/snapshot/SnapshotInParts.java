package io.tandem.persistence.snapshot;

import java.util.List;

/**
 * A snapshot too large for one row: a small head and parts that {@link PartsSnapshotStore} writes
 * as rows of their own, each serialized on its own (with Pekko serialization, like any snapshot).
 * The store hands it back as {@link SnapshotParts}, which the entity's snapshot adapter turns into
 * its state. Both lists and objects must not change once handed to the store.
 */
public interface SnapshotInParts {

  /** What is not in the parts (small: it is read whole). */
  Object head();

  /** The parts, in order (each one row; keep them to a few MiB serialized). */
  List<?> parts();
}
