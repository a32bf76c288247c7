package io.tandem.node.cluster;

import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * A Pekko Management readiness check: the journal answers one cheap CQL query on the persistence
 * plugin's own session. Not ready while Cassandra is unreachable, since no change could be made
 * durable. Listed in {@code pekko.management.health-checks.readiness-checks}.
 */
public final class JournalReadiness implements Supplier<CompletionStage<Boolean>> {
  private final CassandraSession session;

  public JournalReadiness(ActorSystem system) {
    this.session =
        CassandraSessionRegistry.get(system)
            .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"));
  }

  @Override
  public CompletionStage<Boolean> get() {
    return session
        .selectOne("SELECT release_version FROM system.local")
        .thenApply(Optional::isPresent)
        .exceptionally(e -> false);
  }
}
