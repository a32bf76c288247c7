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

  /** The document after one edit. */
  public static ObjectNode apply(ObjectNode doc, DocEdit edit) {
    String[] keys = edit.path().split("\\.");
    return edit.kind() == DocEdit.Kind.SET ? set(doc, keys, 0, edit.value()) : delete(doc, keys, 0);
  }

  private static ObjectNode set(ObjectNode node, String[] keys, int i, JsonNode value) {
    ObjectNode copy = shallowCopy(node);
    if (i == keys.length - 1) {
      copy.set(keys[i], value == null ? NODES.nullNode() : value);
      return copy;
    }
    JsonNode child = node == null ? null : node.get(keys[i]);
    copy.set(keys[i], set(child instanceof ObjectNode o ? o : null, keys, i + 1, value));
    return copy;
  }

  private static ObjectNode delete(ObjectNode node, String[] keys, int i) {
    if (node == null || !node.has(keys[i])) {
      return node;
    }
    if (i == keys.length - 1) {
      ObjectNode copy = shallowCopy(node);
      copy.remove(keys[i]);
      return copy;
    }
    JsonNode child = node.get(keys[i]);
    if (!(child instanceof ObjectNode o)) {
      return node;
    }
    ObjectNode updated = delete(o, keys, i + 1);
    if (updated == o) {
      return node;
    }
    ObjectNode copy = shallowCopy(node);
    copy.set(keys[i], updated);
    return copy;
  }

  private static ObjectNode shallowCopy(ObjectNode node) {
    ObjectNode copy = NODES.objectNode();
    if (node != null) {
      copy.setAll(node);
    }
    return copy;
  }
}
