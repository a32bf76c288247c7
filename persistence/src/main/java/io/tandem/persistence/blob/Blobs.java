package io.tandem.persistence.blob;

import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The node's {@link BlobStore}, one per actor system: a {@link CassandraBlobStore} on the Cassandra
 * plugin's session and keyspace ({@code tandem.cassandra}), with chunks of {@code
 * tandem.cassandra.blob-chunk-bytes}. Creating it opens nothing; the first use connects (through
 * the plugin's session, shared with the journal).
 */
public final class Blobs implements Extension {

  /** The Cassandra plugin's session, shared with the journal and the snapshot store. */
  public static final String SESSION_CONFIG_PATH = "pekko.persistence.cassandra";

  private static final ExtensionId<Blobs> ID =
      new ExtensionId<>() {
        @Override
        public Blobs createExtension(ActorSystem<?> system) {
          return new Blobs(system);
        }
      };

  private final BlobStore store;

  private Blobs(ActorSystem<?> system) {
    Config config = system.settings().config();
    Config cassandra = config.getConfig("tandem.cassandra");
    this.store =
        new CassandraBlobStore(
            () ->
                CassandraSessionRegistry.get(system)
                    .sessionFor(CassandraSessionSettings.create(SESSION_CONFIG_PATH)),
            cassandra.getString("keyspace"),
            (int) (long) cassandra.getBytes("blob-chunk-bytes"),
            cassandra.getBoolean("autocreate"),
            replication(config.getConfig(SESSION_CONFIG_PATH + ".journal")),
            system.executionContext());
  }

  /** The store of {@code system}. */
  public static BlobStore get(ActorSystem<?> system) {
    return ID.apply(system).store;
  }

  /** The replication of an autocreated keyspace, as the journal's settings give it. */
  public static String replication(Config journal) {
    String strategy = journal.getString("replication-strategy");
    if ("SimpleStrategy".equalsIgnoreCase(strategy)) {
      return "{'class': 'SimpleStrategy', 'replication_factor': "
          + journal.getInt("replication-factor")
          + "}";
    }
    StringBuilder map = new StringBuilder("{'class': 'NetworkTopologyStrategy'");
    List<String> factors = journal.getStringList("data-center-replication-factors");
    for (String dcFactor : factors) {
      String[] parts = dcFactor.split(":");
      map.append(", '").append(parts[0].trim()).append("': ").append(parts[1].trim());
    }
    return map.append('}').toString();
  }
}
