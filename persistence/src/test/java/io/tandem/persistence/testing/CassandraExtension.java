package io.tandem.persistence.testing;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.tandem.persistence.CassandraSchema;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.CqlSessions;
import io.tandem.persistence.EmbeddedCassandra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving test classes a real Cassandra: one {@link EmbeddedCassandra} per test
 * JVM, started on first use on free ports with its data in a fresh temporary folder, and a fresh
 * keyspace per test class.
 *
 * <p>Use it with {@code @ExtendWith(CassandraExtension.class)} and take a {@link
 * CassandraTestConfig} in the constructor or a {@code @BeforeAll} method (with
 * {@code @TestInstance(PER_CLASS)}). Every method of one class sees the same keyspace.
 *
 * <p>The server stops when the test run ends (JUnit closes the root store), with a JVM shutdown
 * hook as a backup; even if the test JVM is killed, the server notices and exits on its own.
 */
public final class CassandraExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(CassandraExtension.class);

  /** Cassandra's limit on keyspace names. */
  static final int MAX_KEYSPACE_LENGTH = 48;

  private static final int SUFFIX_LENGTH = 6;
  private static final SecureRandom RANDOM = new SecureRandom();

  @Override
  public void beforeAll(ExtensionContext context) {
    CassandraTestConfig config = configFor(context);
    // the class's keyspace goes when the class is done: a run of a hundred classes would otherwise
    // keep a hundred keyspaces of tables (and their memtables) on one small Cassandra heap
    context
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            DropAtEndOfClass.class,
            key -> new DropAtEndOfClass(config.keyspace()),
            DropAtEndOfClass.class);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == CassandraTestConfig.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return configFor(context);
  }

  /**
   * A fresh keyspace on the shared test Cassandra (started if needed), for code that is not a JUnit
   * parameter. The server stops at the end of the JUnit run if a test class used the extension,
   * else by a JVM shutdown hook.
   *
   * @param keyspaceHint a readable prefix of the keyspace name, such as the caller's name
   */
  public static CassandraTestConfig sharedConfig(String keyspaceHint) {
    return sharedConfig(keyspaceHint, false);
  }

  /**
   * Like {@link #sharedConfig(String)}; with {@code withTables} the keyspace gets the tables of
   * {@code cql/schema.cql} too (created here with a generous timeout, as for JUnit classes), so
   * that a node's first journal writes under load do not have to create them.
   */
  public static CassandraTestConfig sharedConfig(String keyspaceHint, boolean withTables) {
    return Shared.get().newKeyspace(keyspaceHint, withTables);
  }

  /**
   * Stops the shared test Cassandra if it runs (a JVM shutdown hook does it otherwise), for code
   * outside JUnit that ends on its own terms, such as a bench's main.
   */
  public static void stopShared() {
    Shared.stop();
  }

  /**
   * A keyspace name: the hint in snake case, {@code [a-z0-9_]}, starting with a letter, plus {@code
   * _} and a random suffix, at most {@value #MAX_KEYSPACE_LENGTH} characters in all.
   */
  static String keyspaceName(String hint) {
    String snake =
        hint.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
            .replaceAll("([A-Z])([A-Z][a-z])", "$1_$2")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9]+", "_")
            .replaceAll("^_+|_+$", "");
    if (snake.isEmpty() || !Character.isLetter(snake.charAt(0))) {
      snake = "t_" + snake;
    }
    int room = MAX_KEYSPACE_LENGTH - 1 - SUFFIX_LENGTH;
    if (snake.length() > room) {
      snake = snake.substring(0, room).replaceAll("_+$", "");
    }
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < SUFFIX_LENGTH; i++) {
      suffix.append("abcdefghijklmnopqrstuvwxyz0123456789".charAt(RANDOM.nextInt(36)));
    }
    return snake + "_" + suffix;
  }

  private static CassandraTestConfig configFor(ExtensionContext context) {
    Shared shared = Shared.get();
    ExtensionContext.Store root = context.getRoot().getStore(NAMESPACE);
    root.getOrComputeIfAbsent(
        StopAtEndOfRun.class, key -> new StopAtEndOfRun(), StopAtEndOfRun.class);
    Class<?> testClass = context.getRequiredTestClass();
    return root.getOrComputeIfAbsent(
        "keyspace:" + testClass.getName(),
        key -> shared.newKeyspace(testClass.getSimpleName(), true),
        CassandraTestConfig.class);
  }

  /** Closed by JUnit when the root context closes, i.e. at the end of the test run. */
  private static final class StopAtEndOfRun implements AutoCloseable {
    @Override
    public void close() {
      Shared.stop();
    }
  }

  /** Closed by JUnit when its test class ends: drops the class's keyspace. */
  private record DropAtEndOfClass(String keyspace) implements AutoCloseable {
    @Override
    public void close() {
      Shared.dropKeyspace(keyspace);
    }
  }

  /** The one Cassandra of this JVM. */
  private static final class Shared {
    private static Shared instance;
    // one failed start fails every later test class at once instead of timing out again
    private static RuntimeException startFailure;

    private final Path dataDir;
    private final EmbeddedCassandra cassandra;
    private final CqlSession admin;
    private final Thread shutdownHook;

    private Shared(Path dataDir, EmbeddedCassandra cassandra, CqlSession admin, Thread hook) {
      this.dataDir = dataDir;
      this.cassandra = cassandra;
      this.admin = admin;
      this.shutdownHook = hook;
    }

    static synchronized Shared get() {
      if (startFailure != null) {
        throw new IllegalStateException("the test Cassandra failed to start", startFailure);
      }
      if (instance == null) {
        try {
          instance = start();
        } catch (RuntimeException e) {
          startFailure = e;
          throw e;
        }
      }
      return instance;
    }

    static synchronized void stop() {
      if (instance != null) {
        Shared s = instance;
        instance = null;
        s.close();
        try {
          Runtime.getRuntime().removeShutdownHook(s.shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
          // the hook is running or has run: nothing left to do
        }
      }
    }

    private static Shared start() {
      Path dataDir;
      try {
        dataDir = Files.createTempDirectory("tandem-test-cassandra-");
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary folder", e);
      }
      int[] ports = FreePorts.pick(2);
      EmbeddedCassandra cassandra =
          EmbeddedCassandra.builder(dataDir)
              .nativePort(ports[0])
              .storagePort(ports[1])
              // headroom over ./run's 512m: a whole test run writes to one server for 15 minutes
              .maxHeap("1g")
              .build();
      Thread hook = new Thread(Shared::stop, "tandem-test-cassandra-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        cassandra.start();
        CqlSession admin =
            CqlSessions.open(
                cassandra.contactPoint(),
                CassandraSettings.EMBEDDED_DATACENTER,
                Duration.ofSeconds(30));
        return new Shared(dataDir, cassandra, admin, hook);
      } catch (RuntimeException e) {
        // the exception carries the end of Cassandra's log
        cassandra.stop();
        Runtime.getRuntime().removeShutdownHook(hook);
        deleteRecursively(dataDir);
        throw e;
      }
    }

    /**
     * A new keyspace; {@code withTables}: with the tables of {@code cql/schema.cql} too, created
     * here with a generous timeout rather than by the plugin at the first write under the driver's
     * 2 s request timeout, which a busy 2-core machine can miss (the tables are the same ones:
     * {@code CassandraSchemaTest} checks it).
     */
    synchronized CassandraTestConfig newKeyspace(String hint, boolean withTables) {
      String keyspace = keyspaceName(hint);
      String replication = "{'class': 'SimpleStrategy', 'replication_factor': 1}";
      if (withTables) {
        for (String statement : CassandraSchema.statements(keyspace, replication)) {
          admin.execute(SimpleStatement.newInstance(statement).setTimeout(Duration.ofSeconds(60)));
        }
      } else {
        admin.execute(
            SimpleStatement.newInstance(
                    "CREATE KEYSPACE IF NOT EXISTS "
                        + keyspace
                        + " WITH replication = "
                        + replication)
                .setTimeout(Duration.ofSeconds(60)));
      }
      return new CassandraTestConfig(cassandra.contactPoint(), keyspace);
    }

    /**
     * Drops a keyspace if the server still runs; a drop that fails leaves a keyspace behind, which
     * costs memory but fails no test.
     */
    static synchronized void dropKeyspace(String keyspace) {
      if (instance == null) {
        return;
      }
      try {
        instance.admin.execute(
            SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
                .setTimeout(Duration.ofSeconds(60)));
      } catch (RuntimeException e) {
        System.err.println("could not drop the test keyspace " + keyspace + ": " + e);
      }
    }

    private void close() {
      try {
        admin.close();
      } finally {
        cassandra.stop();
        deleteRecursively(dataDir);
      }
    }
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temporary folder is harmless
    }
  }
}
