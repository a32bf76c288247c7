package io.tandem.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds the folder holding Cassandra's jars (cassandra-all and its runtime dependencies), which the
 * {@code cassandra-dist} module copies to {@code cassandra-dist/target/cassandra-lib}.
 *
 * <p>Looked up in this order: system property {@value #PROPERTY} (surefire sets it for every
 * module's tests), environment variable {@value #ENV}, then {@code
 * cassandra-dist/target/cassandra-lib} in the working directory or any parent of it.
 */
public final class CassandraLibDir {

  /** System property naming the folder. */
  public static final String PROPERTY = "tandem.cassandra.lib-dir";

  /** Environment variable naming the folder. */
  public static final String ENV = "TANDEM_CASSANDRA_LIB_DIR";

  static final Path RELATIVE = Path.of("cassandra-dist", "target", "cassandra-lib");

  private CassandraLibDir() {}

  /**
   * The folder of Cassandra's jars.
   *
   * @throws IllegalStateException naming the places looked at and how to build the folder
   */
  public static Path locate() {
    return locate(System.getProperty(PROPERTY), System.getenv(ENV), Path.of(""));
  }

  static Path locate(String property, String env, Path workingDir) {
    List<Path> tried = new ArrayList<>();
    for (String configured : new String[] {property, env}) {
      if (configured != null && !configured.isBlank()) {
        Path dir = Path.of(configured.strip()).toAbsolutePath().normalize();
        if (holdsCassandra(dir)) {
          return dir;
        }
        tried.add(dir);
      }
    }
    for (Path dir = workingDir.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(RELATIVE);
      if (holdsCassandra(candidate)) {
        return candidate;
      }
    }
    tried.add(Path.of("<working dir and its parents>").resolve(RELATIVE));
    throw new IllegalStateException(
        "Cassandra's jars were not found (looked in "
            + tried
            + "). Run `mvn install -DskipTests` in the Tandem checkout (or `mvn -pl cassandra-dist"
            + " generate-resources`), or point -D"
            + PROPERTY
            + " or "
            + ENV
            + " at a folder holding cassandra-all-*.jar and its runtime jars.");
  }

  /** The jars of a located folder, sorted by name so the classpath is the same on every run. */
  static List<Path> jars(Path libDir) {
    try (Stream<Path> files = Files.list(libDir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + libDir, e);
    }
  }

  /**
   * Fails fast on a folder whose logback jars do not fit together: Cassandra then dies at its first
   * log line with a {@code ClassNotFoundException} from logback. Catches two versions of one jar
   * (stale copies: copy-dependencies never deletes) and logback-classic and logback-core of
   * different versions.
   */
  static void checkConsistent(Path libDir) {
    List<String> classic = versionsOf(libDir, "logback-classic-");
    List<String> core = versionsOf(libDir, "logback-core-");
    if (classic.size() > 1 || core.size() > 1) {
      throw new IllegalStateException(
          libDir
              + " holds several versions of logback (classic "
              + classic
              + ", core "
              + core
              + "), stale copies of an older build: run `mvn -pl cassandra-dist clean install`.");
    }
    if (!classic.isEmpty() && !core.isEmpty() && !classic.equals(core)) {
      throw new IllegalStateException(
          libDir
              + " holds logback-classic "
              + classic.get(0)
              + " but logback-core "
              + core.get(0)
              + ": Cassandra cannot log with that pair. Manage ch.qos.logback:logback-core at the"
              + " version of logback-classic (dependencyManagement of the root pom) and rebuild"
              + " cassandra-dist with `mvn -pl cassandra-dist clean install`.");
    }
  }

  private static List<String> versionsOf(Path libDir, String prefix) {
    List<String> versions = new ArrayList<>();
    for (Path jar : jars(libDir)) {
      String name = jar.getFileName().toString();
      if (name.startsWith(prefix)) {
        versions.add(name.substring(prefix.length(), name.length() - ".jar".length()));
      }
    }
    return versions;
  }

  private static boolean holdsCassandra(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().startsWith("cassandra-all-"));
    } catch (IOException e) {
      return false;
    }
  }
}
