package io.tandem.node.cluster;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * A Pekko Management readiness check: the journal's Cassandra answers one cheap CQL query (on a
 * session configured like the persistence plugin's). Not ready while Cassandra is unreachable,
 * since no change could be made durable, and until the node's {@link JournalAvailability} is up
 * again (the persistence plugins' circuit breakers let reads through). Listed in {@code
 * pekko.management.health-checks.readiness-checks}.
 */
public final class JournalReadiness implements Supplier<CompletionStage<Boolean>> {
  private final ActorSystem system;
  private volatile CassandraSession session;

  public JournalReadiness(ActorSystem system) {
    this.system = system;
  }

  @Override
  public CompletionStage<Boolean> get() {
    return session()
        .selectOne("SELECT release_version FROM system.local")
        .thenApply(row -> row.isPresent() && JournalAvailability.get(system).available())
        .exceptionally(
            e -> {
              JournalAvailability.get(system).failed(e);
              return false;
            });
  }

  /**
   * A session of its own (config {@code tandem.journal-health}, the plugin's settings): the
   * registry keeps the first session asked for under a config path, and under the plugin's path the
   * plugin must be the first (its init creates the journal's tables in dev and tests).
   */
  private CassandraSession session() {
    CassandraSession s = session;
    if (s == null) {
      s =
          CassandraSessionRegistry.get(system)
              .sessionFor(CassandraSessionSettings.create("tandem.journal-health"));
      session = s;
    }
    return s;
  }
}
