package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A map's entries whose keys are known to be valid ({@link MapKeys}) because they come from a map's
 * own state, where every key was checked when it was put: the frames that carry entries ({@link
 * Changes}, {@link SnapshotPart}, {@link Put}) take such a map as it is, where they would check and
 * copy any other. A server cuts a large state into many of them (a 300,000-entry snapshot, or every
 * tick's coalesced values), and the check and the copy were a third of the cost of a late join.
 *
 * <p>Unmodifiable and insertion-ordered; a null value is a deleted key. Only what {@link #of} wraps
 * is trusted, so the caller vouches for the keys.
 */
public final class CheckedEntries extends AbstractMap<String, JsonNode> {
  private final Map<String, JsonNode> entries;
  private final boolean deletes;

  private CheckedEntries(Map<String, JsonNode> entries, boolean deletes) {
    this.entries = Collections.unmodifiableMap(entries);
    this.deletes = deletes;
  }

  /**
   * Wraps {@code entries} (not copied: the caller gives it up) whose keys all match {@link
   * MapKeys}, taken from a map's state; {@code deletes} whether a value may be null.
   */
  public static CheckedEntries of(LinkedHashMap<String, JsonNode> entries, boolean deletes) {
    return new CheckedEntries(entries, deletes);
  }

  /** Whether a value may be null (a deleted key); false: none is. */
  public boolean deletes() {
    return deletes;
  }

  @Override
  public Set<Entry<String, JsonNode>> entrySet() {
    return entries.entrySet();
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public JsonNode get(Object key) {
    return entries.get(key);
  }

  @Override
  public boolean containsKey(Object key) {
    return entries.containsKey(key);
  }

  @Override
  public void forEach(BiConsumer<? super String, ? super JsonNode> action) {
    entries.forEach(action);
  }
}
