package io.tandem.node.room;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.persistence.CborSerializable;

/**
 * One edit of a room's document: set the value at a dot-separated path, or delete it. {@code value}
 * is null for a delete.
 */
public record DocEdit(Kind kind, String path, JsonNode value) implements CborSerializable {
  public enum Kind {
    SET,
    DEL
  }

  public static DocEdit set(String path, JsonNode value) {
    return new DocEdit(Kind.SET, path, value);
  }

  public static DocEdit del(String path) {
    return new DocEdit(Kind.DEL, path, null);
  }
}
