package io.tandem.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.ConfigFactory;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Cassandra plugin as configured by {@code persistence.conf} and {@code serialization.conf}:
 * events and snapshots are stored as CBOR in this class's keyspace and recovered by a new actor
 * system.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(CassandraExtension.class)
class CassandraJournalTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int JACKSON_CBOR_ID = 33;

  private final CassandraTestConfig cassandra;
  private CqlSession cql;

  CassandraJournalTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @BeforeAll
  void connect() {
    cql =
        CqlSessions.open(cassandra.contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, TIMEOUT);
  }

  @AfterAll
  void disconnect() {
    cql.close();
  }

  @Test
  void eventsAndSnapshotAreStoredAsCborAndRecoveredByANewActorSystem() throws Exception {
    PersistenceId id = PersistenceId.of("Counter", UUID.randomUUID().toString());

    ActorTestKit writer = testKit("journal-writer");
    try {
      TestProbe<Counter.State> replies = writer.createTestProbe();
      TestProbe<Long> snapshots = writer.createTestProbe();
      ActorRef<Counter.Command> counter = writer.spawn(Counter.create(id, snapshots.ref()));
      int total = 0;
      for (int amount = 1; amount <= 5; amount++) {
        counter.tell(new Counter.Add(amount, replies.ref()));
        total += amount;
        assertEquals(total, replies.receiveMessage(TIMEOUT).total());
      }
      assertEquals(3L, snapshots.receiveMessage(TIMEOUT));

      List<Object> replayed =
          PersistenceQuery.get(writer.system())
              .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier())
              .currentEventsByPersistenceId(id.id(), 0, Long.MAX_VALUE)
              .map(EventEnvelope::event)
              .runWith(Sink.seq(), writer.system())
              .toCompletableFuture()
              .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(
          List.of(
              new Counter.Added(1),
              new Counter.Added(2),
              new Counter.Added(3),
              new Counter.Added(4),
              new Counter.Added(5)),
          replayed);
    } finally {
      writer.shutdownTestKit();
    }

    List<Row> events =
        cql.execute(
                "SELECT sequence_nr, ser_id, ser_manifest FROM "
                    + cassandra.keyspace()
                    + ".messages WHERE persistence_id = ? AND partition_nr = 0",
                id.id())
            .all();
    assertEquals(
        List.of(1L, 2L, 3L, 4L, 5L), events.stream().map(r -> r.getLong("sequence_nr")).toList());
    for (Row event : events) {
      assertEquals(JACKSON_CBOR_ID, event.getInt("ser_id"));
      assertEquals(Counter.Added.class.getName(), event.getString("ser_manifest"));
    }
    Row snapshot =
        cql.execute(
                "SELECT sequence_nr, ser_id FROM "
                    + cassandra.keyspace()
                    + ".snapshots WHERE persistence_id = ?",
                id.id())
            .one();
    assertEquals(3L, snapshot.getLong("sequence_nr"));
    assertEquals(JACKSON_CBOR_ID, snapshot.getInt("ser_id"));

    // without the events the snapshot covers, only recovery from the snapshot gets the state right
    cql.execute(
        "DELETE FROM "
            + cassandra.keyspace()
            + ".messages WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr <= 3",
        id.id());

    ActorTestKit reader = testKit("journal-reader");
    try {
      TestProbe<Counter.State> replies = reader.createTestProbe();
      TestProbe<Long> snapshots = reader.createTestProbe();
      ActorRef<Counter.Command> counter = reader.spawn(Counter.create(id, snapshots.ref()));
      counter.tell(new Counter.Get(replies.ref()));
      assertEquals(new Counter.State(15, List.of(1, 2, 3, 4, 5)), replies.receiveMessage(TIMEOUT));
    } finally {
      reader.shutdownTestKit();
    }
  }

  private ActorTestKit testKit(String name) {
    return ActorTestKit.create(name, cassandra.pekkoConfig().withFallback(ConfigFactory.load()));
  }
}
