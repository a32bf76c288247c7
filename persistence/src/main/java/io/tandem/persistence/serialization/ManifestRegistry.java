package io.tandem.persistence.serialization;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/**
 * Every {@link StableNames} table on the class path merged into one two-way registry, checked once:
 * a name belongs to one class, a class has one name, names look like {@code area.kebab-name} (so
 * that none can be mistaken for a Java class name). Immutable; safe to share between threads.
 */
public final class ManifestRegistry {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)+");

  private final Map<Class<?>, String> nameByClass;
  private final Map<String, Class<?>> classByName;
  private final Map<String, Class<?>> classByFormerName;

  private ManifestRegistry(List<StableNames> tables) {
    Map<Class<?>, String> names = new HashMap<>();
    Map<String, Class<?>> classes = new HashMap<>();
    Map<String, Class<?>> former = new HashMap<>();
    for (StableNames table : tables) {
      table
          .names()
          .forEach(
              (cls, name) -> {
                if (!NAME.matcher(name).matches()) {
                  throw new IllegalArgumentException(
                      "stable manifest "
                          + name
                          + " of "
                          + cls.getName()
                          + " is not area.kebab-name");
                }
                claim(classes, "stable manifest", name, cls);
                String previous = names.putIfAbsent(cls, name);
                if (previous != null && !previous.equals(name)) {
                  throw new IllegalArgumentException(
                      cls.getName() + " has two stable manifests: " + previous + ", " + name);
                }
              });
      table.formerNames().forEach((old, cls) -> claim(classes, "former stable manifest", old, cls));
      table.formerClassNames().forEach((old, cls) -> claim(former, "former class name", old, cls));
    }
    this.nameByClass = Map.copyOf(names);
    this.classByName = Map.copyOf(classes);
    this.classByFormerName = Map.copyOf(former);
  }

  /** Maps {@code name} to {@code cls} in {@code into}, refusing a name given to another class. */
  private static void claim(Map<String, Class<?>> into, String what, String name, Class<?> cls) {
    Class<?> other = into.putIfAbsent(name, cls);
    if (other != null && other != cls) {
      throw new IllegalArgumentException(
          what + " " + name + " given to " + other.getName() + " and " + cls);
    }
  }

  /** The registry of every {@link StableNames} that {@code loader} finds. */
  public static ManifestRegistry load(ClassLoader loader) {
    List<StableNames> tables = new ArrayList<>();
    ServiceLoader.load(StableNames.class, loader).forEach(tables::add);
    return new ManifestRegistry(tables);
  }

  /** A registry of exactly these tables (tests). */
  public static ManifestRegistry of(StableNames... tables) {
    return new ManifestRegistry(List.of(tables));
  }

  /** The stable name {@code cls} is written under, if it has one. */
  public Optional<String> nameOf(Class<?> cls) {
    return Optional.ofNullable(nameByClass.get(cls));
  }

  /**
   * The class a manifest (without its {@code #version} suffix) stands for when it is a stable name
   * or a former class name; empty for anything else (a current class name, read as such).
   */
  public Optional<Class<?>> classOf(String manifest) {
    Class<?> cls = classByName.get(manifest);
    return Optional.ofNullable(cls != null ? cls : classByFormerName.get(manifest));
  }

  /** Every class with a stable name and its name (tests and diagnostics). */
  public Map<Class<?>, String> names() {
    return nameByClass;
  }
}
