package io.tandem.node.room;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Applies {@link DocEdit}s to a JSON document without mutating it: each edit copies only the
 * objects on its path (structural sharing), so a published document is never changed afterwards and
 * snapshots can share it safely. Setting below a non-object value replaces that value with an
 * object (last writer wins per path); deleting a missing path changes nothing.
 */
public final class DocTree {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private DocTree() {}

  public static ObjectNode empty() {
    return NODES.objectNode();
  }

  /** The document after applying {@code edits} in order. */
  public static ObjectNode apply(ObjectNode doc, List<DocEdit> edits) {
    ObjectNode result = doc;
    for (DocEdit edit : edits) {
      result = apply(result, edit);
    }
    return result;
  }

  /**
   * The document after one edit. Iterative: a path of any length costs no stack (the codec bounds
   * paths, but the document code must not depend on it).
   */
  public static ObjectNode apply(ObjectNode doc, DocEdit edit) {
    String[] keys = edit.path().split("\\.");
    return edit.kind() == DocEdit.Kind.SET ? set(doc, keys, edit.value()) : delete(doc, keys);
  }

  private static ObjectNode set(ObjectNode doc, String[] keys, JsonNode value) {
    // the objects on the path as they are (null where the path leaves the document's objects)
    ObjectNode[] onPath = new ObjectNode[keys.length];
    ObjectNode node = doc;
    for (int i = 0; i < keys.length; i++) {
      onPath[i] = node;
      JsonNode child = node == null ? null : node.get(keys[i]);
      node = child instanceof ObjectNode o ? o : null;
    }
    // copied bottom-up: each copy gets the copy below it
    JsonNode below = value == null ? NODES.nullNode() : value;
    for (int i = keys.length - 1; i >= 0; i--) {
      ObjectNode copy = shallowCopy(onPath[i]);
      copy.set(keys[i], below);
      below = copy;
    }
    return (ObjectNode) below;
  }

  private static ObjectNode delete(ObjectNode doc, String[] keys) {
    ObjectNode[] onPath = new ObjectNode[keys.length];
    ObjectNode node = doc;
    for (int i = 0; i < keys.length; i++) {
      if (node == null || !node.has(keys[i])) {
        return doc; // nothing there: nothing changes
      }
      onPath[i] = node;
      if (i < keys.length - 1) {
        JsonNode child = node.get(keys[i]);
        if (!(child instanceof ObjectNode o)) {
          return doc;
        }
        node = o;
      }
    }
    ObjectNode below = shallowCopy(onPath[keys.length - 1]);
    below.remove(keys[keys.length - 1]);
    for (int i = keys.length - 2; i >= 0; i--) {
      ObjectNode copy = shallowCopy(onPath[i]);
      copy.set(keys[i], below);
      below = copy;
    }
    return below;
  }

  /**
   * How deep an edit can make the document: the keys of its path plus the nesting of its value (a
   * scalar adds nothing, each object or array level one). A document whose every accepted edit is
   * within a bound stays within it. Iterative, whatever the value's nesting.
   */
  public static int depthOf(DocEdit edit) {
    int keys = 1;
    String path = edit.path();
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '.') {
        keys++;
      }
    }
    return edit.kind() == DocEdit.Kind.SET ? keys + depthOf(edit.value()) : keys;
  }

  /** The nesting of a JSON value: 0 for a scalar, 1 for an empty or flat container, and so on. */
  public static int depthOf(JsonNode value) {
    if (value == null || !value.isContainerNode()) {
      return 0;
    }
    int deepest = 0;
    java.util.ArrayDeque<JsonNode> nodes = new java.util.ArrayDeque<>();
    java.util.ArrayDeque<Integer> depths = new java.util.ArrayDeque<>();
    nodes.push(value);
    depths.push(1);
    while (!nodes.isEmpty()) {
      JsonNode n = nodes.pop();
      int d = depths.pop();
      deepest = Math.max(deepest, d);
      for (JsonNode child : n) {
        if (child.isContainerNode()) {
          nodes.push(child);
          depths.push(d + 1);
        }
      }
    }
    return deepest;
  }

  private static ObjectNode shallowCopy(ObjectNode node) {
    ObjectNode copy = NODES.objectNode();
    if (node != null) {
      copy.setAll(node);
    }
    return copy;
  }
}
