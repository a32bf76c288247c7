package io.tandem.persistence.index;

import com.typesafe.config.Config;
import io.tandem.persistence.blob.Blobs;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The node's {@link CassandraSessionIndex}, one per actor system, on the Cassandra plugin's session
 * and keyspace ({@code tandem.cassandra}). Creating it opens nothing; the first use connects.
 */
public final class SessionIndexes implements Extension {

  private static final ExtensionId<SessionIndexes> ID =
      new ExtensionId<>() {
        @Override
        public SessionIndexes createExtension(ActorSystem<?> system) {
          return new SessionIndexes(system);
        }
      };

  private final CassandraSessionIndex index;

  private SessionIndexes(ActorSystem<?> system) {
    Config config = system.settings().config();
    Config cassandra = config.getConfig("tandem.cassandra");
    this.index =
        new CassandraSessionIndex(
            () ->
                CassandraSessionRegistry.get(system)
                    .sessionFor(CassandraSessionSettings.create(Blobs.SESSION_CONFIG_PATH)),
            cassandra.getString("keyspace"),
            cassandra.getBoolean("autocreate"),
            Blobs.replication(config.getConfig(Blobs.SESSION_CONFIG_PATH + ".journal")));
  }

  /** The index of {@code system}. */
  public static CassandraSessionIndex get(ActorSystem<?> system) {
    return ID.apply(system).index;
  }
}
