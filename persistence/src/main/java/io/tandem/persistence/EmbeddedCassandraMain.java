package io.tandem.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an {@link EmbeddedCassandra} as a process of its own, for several nodes to share: the local
 * multi-node launcher ({@code deploy/local-cluster}) starts it once, then points every node at it
 * with {@code TANDEM_CASSANDRA_CONTACT_POINTS}.
 *
 * <p>Settings come from {@code tandem-cassandra.conf} with its environment overrides ({@code
 * TANDEM_DATA_DIR}, {@code TANDEM_CASSANDRA_NATIVE_PORT}, {@code TANDEM_CASSANDRA_STORAGE_PORT},
 * {@code TANDEM_CASSANDRA_MAX_HEAP}). Once CQL answers it prints one line {@value #READY_PREFIX}
 * followed by the contact point, which scripts wait for. SIGTERM or SIGINT stops Cassandra
 * (flushing its memtables) and then this process; if this process is killed outright, the forked
 * Cassandra notices and exits by itself. If Cassandra dies on its own, this process exits with
 * status 1.
 *
 * <p>Reachable from the node's jar: {@code java -cp cluster-node/target/tandem-node.jar
 * io.tandem.persistence.EmbeddedCassandraMain}.
 */
public final class EmbeddedCassandraMain {

  /** Printed, followed by {@code host:port}, once Cassandra answers CQL. */
  public static final String READY_PREFIX = "TANDEM_CASSANDRA_CONTACT_POINTS=";

  private EmbeddedCassandraMain() {}

  /** Starts Cassandra, prints the contact point and runs until signalled. */
  public static void main(String[] args) {
    CassandraSettings settings = CassandraSettings.fromConfig(load());
    EmbeddedCassandra cassandra;
    try {
      cassandra = launcherFor(settings);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    AtomicBoolean stopping = new AtomicBoolean(false);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stopping.set(true);
                  cassandra.stop();
                },
                "stop-cassandra"));
    try {
      cassandra.start();
    } catch (RuntimeException e) {
      if (stopping.get()) {
        // signalled while starting: the shutdown hook cleans up
        return;
      }
      System.err.println("Embedded Cassandra did not start: " + e.getMessage());
      System.exit(1);
      return;
    }
    announce(cassandra, System.out);
    exitStatusWhenGone(cassandra, stopping).ifPresent(System::exit);
  }

  /**
   * The launcher for {@code settings}.
   *
   * @throws IllegalArgumentException if contact points are configured: then there is nothing to
   *     start, and a process that pretends to serve them would only hide the mistake
   */
  static EmbeddedCassandra launcherFor(CassandraSettings settings) {
    if (!settings.useEmbedded()) {
      throw new IllegalArgumentException(
          "TANDEM_CASSANDRA_CONTACT_POINTS (tandem.cassandra.contact-points) is set to "
              + String.join(",", settings.contactPoints())
              + ": that Cassandra is used as it is, there is no embedded one to start");
    }
    return EmbeddedCassandra.create(settings);
  }

  /** Writes the ready line and where the logs are. */
  static void announce(EmbeddedCassandra cassandra, PrintStream out) {
    out.println(
        "Embedded Cassandra "
            + cassandra.releaseVersion().orElse("")
            + " (pid "
            + cassandra.pid()
            + ") serves CQL; data and logs under "
            + cassandra.dataDir());
    out.println(READY_PREFIX + cassandra.contactPoint());
    out.flush();
  }

  private static Config load() {
    // unresolved fallback, so that data-dir substitutions see the environment
    return ConfigFactory.load(ConfigFactory.parseResourcesAnySyntax("tandem-cassandra"));
  }

  /**
   * Blocks until the forked Cassandra exits. Empty when it exits because we are shutting down (the
   * JVM is already exiting, and {@code System.exit} from here would block on the hook), else 1.
   */
  private static Optional<Integer> exitStatusWhenGone(
      EmbeddedCassandra cassandra, AtomicBoolean stopping) {
    CompletableFuture<ProcessHandle> exited =
        ProcessHandle.of(cassandra.pid())
            .map(ProcessHandle::onExit)
            .orElseGet(() -> CompletableFuture.completedFuture(null));
    exited.join();
    if (stopping.get()) {
      return Optional.empty();
    }
    System.err.println("Embedded Cassandra (pid " + cassandra.pid() + ") exited by itself");
    return Optional.of(1);
  }
}
