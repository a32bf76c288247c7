package io.tandem.persistence.snapshot;

import com.typesafe.config.Config;
import io.tandem.persistence.blob.Blobs;
import java.util.Optional;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * A Pekko snapshot store for snapshots too large for one Cassandra row (a map of a million
 * entries): a {@link SnapshotInParts} is written as a head and parts, each its own row ({@link
 * CassandraSnapshotParts}), and loaded back as {@link SnapshotParts}; any other snapshot is stored
 * as a head alone. Entities choose it with their snapshot plugin id ({@code
 * tandem.cassandra.parts-snapshot-store}); the journal stays the Cassandra plugin's.
 *
 * <p>Its CQL session is its own ({@code session-config-path}, the same driver settings): the
 * Cassandra plugin creates its own tables when it opens its session, which must therefore not be
 * opened first by another user of the session registry.
 */
public final class PartsSnapshotStore extends SnapshotStore {

  private final CassandraSnapshotParts store;

  public PartsSnapshotStore(Config config) {
    ActorSystem system = context().system();
    Config root = system.settings().config();
    String sessionPath = config.getString("session-config-path");
    this.store =
        new CassandraSnapshotParts(
            () ->
                CassandraSessionRegistry.get(system)
                    .sessionFor(CassandraSessionSettings.create(sessionPath)),
            root.getString("tandem.cassandra.keyspace"),
            root.getBoolean("tandem.cassandra.autocreate"),
            Blobs.replication(root.getConfig("pekko.persistence.cassandra.journal")),
            SerializationExtension.get(system),
            context().dispatcher(),
            config.getInt("parallelism"),
            config.getInt("max-load-attempts"),
            config.getDuration("statement-timeout"));
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(
      String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(store.load(persistenceId, criteria));
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    return FutureConverters.asScala(store.save(metadata, snapshot).thenApply(done -> null));
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return FutureConverters.asScala(
        store
            .delete(metadata.persistenceId(), metadata.sequenceNr())
            .thenApply(done -> (Void) null));
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(
        store.delete(persistenceId, criteria).thenApply(done -> (Void) null));
  }
}
