package io.tandem.node.serialization;

import io.tandem.persistence.CborSerializable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Every concrete class of Tandem's main code that implements {@link CborSerializable}, found on the
 * test class path: the classes of this module and of {@code persistence} (a folder or a jar), not
 * their test classes. These are exactly the classes the {@code jackson-cbor} binding serializes.
 */
final class SerializableClasses {
  private SerializableClasses() {}

  static List<Class<?>> all() {
    List<String> names = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path path = Path.of(entry);
      String file = path.getFileName() == null ? "" : path.getFileName().toString();
      if (Files.isDirectory(path) && !file.equals("test-classes")) {
        names.addAll(inFolder(path));
      } else if (file.endsWith(".jar")
          && !file.endsWith("-tests.jar")
          && (file.startsWith("cluster-node") || file.startsWith("persistence"))) {
        names.addAll(inJar(path));
      }
    }
    List<Class<?>> found = new ArrayList<>();
    for (String name : names) {
      Class<?> cls;
      try {
        cls = Class.forName(name, false, SerializableClasses.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        continue;
      }
      if (CborSerializable.class.isAssignableFrom(cls)
          && !cls.isInterface()
          && !Modifier.isAbstract(cls.getModifiers())
          && !cls.isAnonymousClass()) {
        found.add(cls);
      }
    }
    found.sort(Comparator.comparing(Class::getName));
    return found;
  }

  private static List<String> inFolder(Path root) {
    Path tandem = root.resolve("io/tandem");
    if (!Files.isDirectory(tandem)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(tandem)) {
      return files
          .filter(p -> p.toString().endsWith(".class"))
          .map(p -> className(root.relativize(p).toString().replace('\\', '/')))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> inJar(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.stream()
          .map(JarEntry::getName)
          .filter(n -> n.startsWith("io/tandem/") && n.endsWith(".class"))
          .map(SerializableClasses::className)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String className(String path) {
    return path.substring(0, path.length() - ".class".length()).replace('/', '.');
  }
}
