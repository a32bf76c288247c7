package io.tandem.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.List;
import java.util.Objects;

/**
 * One edit of a room's {@code doc} (protocol section 4.2): {@code {"op":"set","path":"a.b","value":
 * ...}} or {@code {"op":"del","path":"a.b"}}. A path is dot-separated keys, none of them empty.
 */
public sealed interface DocOp permits DocOp.Set, DocOp.Del {

  /** The dot-separated path this op edits. */
  String path();

  /** The wire name of the op: {@code set} or {@code del}. */
  String op();

  /**
   * Sets the value at a path (creating intermediate objects as the applier sees fit).
   *
   * @param path the dot-separated path
   * @param value the new value; JSON {@code null} is a value ({@link NullNode}), Java null becomes
   *     it. Deep-copied; treat as read-only.
   */
  record Set(String path, JsonNode value) implements DocOp {
    /** Checks the path and copies the value. */
    public Set {
      checkPath(path);
      value = value == null ? NullNode.getInstance() : value.deepCopy();
    }

    @Override
    public String op() {
      return "set";
    }
  }

  /**
   * Deletes the value at a path.
   *
   * @param path the dot-separated path
   */
  record Del(String path) implements DocOp {
    /** Checks the path. */
    public Del {
      checkPath(path);
    }

    @Override
    public String op() {
      return "del";
    }
  }

  /**
   * The keys of a path: {@code "layout.panels.3"} gives {@code [layout, panels, 3]}.
   *
   * @throws IllegalArgumentException when the path is empty or has an empty segment
   */
  static List<String> segments(String path) {
    checkPath(path);
    return List.of(path.split("\\.", -1));
  }

  /** True when the path is non-empty dot-separated keys with no empty segment. */
  static boolean validPath(String path) {
    if (path == null || path.isEmpty()) {
      return false;
    }
    for (String s : path.split("\\.", -1)) {
      if (s.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  private static void checkPath(String path) {
    Objects.requireNonNull(path, "path");
    if (!validPath(path)) {
      throw new IllegalArgumentException(
          "invalid path '" + path + "': dot-separated non-empty keys expected");
    }
  }
}
