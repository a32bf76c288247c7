package io.tandem.persistence.serialization;

import java.util.Map;

/**
 * A module's table of stable manifests: the name each persisted or cluster-crossing class is
 * written under, independent of its Java name. Found with {@link java.util.ServiceLoader} (a {@code
 * META-INF/services/io.tandem.persistence.serialization.StableNames} file), so every actor system
 * that has the module on its class path reads and writes the same names whatever config a test or a
 * node builds.
 *
 * <p>A name, once written to a journal or sent to another node, never changes and is never given to
 * another class. Moving or renaming a class changes only the class in its entry; the class name it
 * had until then goes into {@link #formerClassNames()}, because journal rows and nodes of the
 * release before stable manifests carry it. When several classes become one (three kinds' {@code
 * Join} records folded into one shared command), the one class gets a new name and the names of the
 * classes it replaces go into {@link #formerNames()}: they are read, never written again, and never
 * given to anything else.
 */
public interface StableNames {

  /** Class to stable name, e.g. {@code RoomEntity.DocEdited.class -> "room.doc-edited"}. */
  Map<Class<?>, String> names();

  /**
   * Class names that older rows or nodes may carry for a class that has since moved or been
   * renamed, e.g. {@code "io.tandem.node.room.RoomEntity$DocEdited" -> DocEdited.class}.
   */
  default Map<String, Class<?>> formerClassNames() {
    return Map.of();
  }

  /**
   * Stable names no longer written, and the class each now reads as, e.g. {@code "room.join" ->
   * SessionCommand.Join.class}.
   */
  default Map<String, Class<?>> formerNames() {
    return Map.of();
  }
}
