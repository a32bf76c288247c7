package io.tandem.node.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.persistence.CborSerializable;
import io.tandem.persistence.serialization.ManifestRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The manifests of everything persisted or sent between nodes, against the committed {@code
 * manifests.txt} ({@code <stable name> <class name>} per line). Journal rows and nodes of other
 * releases carry these strings, so this fails when a class gets no stable name, when a name
 * changes, and when a class name that rows may carry (every class name in the file) no longer
 * decodes to the class its stable name stands for.
 */
class ManifestGoldenTest {
  private final ManifestRegistry registry =
      ManifestRegistry.load(ManifestGoldenTest.class.getClassLoader());

  @Test
  void everySerializableClassHasTheStableManifestInTheGoldenFile() throws IOException {
    List<Class<?>> classes = SerializableClasses.all();
    assertTrue(classes.size() > 100, "the class path scan found only " + classes);
    Set<String> golden = golden();
    List<String> problems = new ArrayList<>();
    for (Class<?> cls : classes) {
      Optional<String> name = registry.nameOf(cls);
      if (name.isEmpty()) {
        problems.add(
            cls.getName() + " has no stable manifest: add it to NodeManifests and manifests.txt");
      } else if (!golden.contains(name.get() + " " + cls.getName())) {
        problems.add(
            "'"
                + name.get()
                + " "
                + cls.getName()
                + "' is not in manifests.txt: a new class is added there; a stable name never"
                + " changes (rows and other nodes carry it); a renamed class keeps its name and its"
                + " old class name goes into NodeManifests.formerClassNames() and stays in the file");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyManifestInTheGoldenFileStillDecodesToItsClass() throws IOException {
    List<String> problems = new ArrayList<>();
    for (String line : golden()) {
      String[] parts = line.split(" ");
      String name = parts[0];
      String className = parts[1];
      Optional<Class<?>> byName = registry.classOf(name);
      if (byName.isEmpty()) {
        problems.add(name + " no longer names a class: rows written under it would not decode");
        continue;
      }
      Class<?> byClassName = registry.classOf(className).orElseGet(() -> load(className));
      if (byClassName != byName.get()) {
        problems.add(
            className
                + " (rows written before stable manifests) decodes to "
                + byClassName
                + " but "
                + name
                + " to "
                + byName.get()
                + ": add it to NodeManifests.formerClassNames()");
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyNamedClassIsSerializable() {
    registry
        .names()
        .keySet()
        .forEach(
            cls ->
                assertTrue(
                    CborSerializable.class.isAssignableFrom(cls),
                    cls + " has a stable manifest but is not CborSerializable"));
  }

  private static Class<?> load(String className) {
    try {
      return Class.forName(className, false, ManifestGoldenTest.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      return null;
    }
  }

  private static Set<String> golden() throws IOException {
    try (InputStream in = ManifestGoldenTest.class.getResourceAsStream("/manifests.txt")) {
      Set<String> lines = new LinkedHashSet<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        String trimmed = line.trim();
        if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
          lines.add(trimmed);
        }
      }
      return lines;
    }
  }
}
