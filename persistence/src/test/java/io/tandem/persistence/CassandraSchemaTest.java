package io.tandem.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.ConfigFactory;
import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.persistence.index.SessionIndexes;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code cql/schema.cql} defines exactly the tables the plugin and the blob store create for
 * themselves, and the journal and the blob store run on it with autocreation off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(CassandraExtension.class)
class CassandraSchemaTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Set<String> TABLES =
      Set.of(
          "messages",
          "metadata",
          "all_persistence_ids",
          "snapshots",
          "blobs",
          "sessions",
          "snapshot_heads",
          "snapshot_parts");

  private CassandraTestConfig autocreated;
  private CassandraTestConfig scripted;
  private CqlSession cql;

  @BeforeAll
  void applySchemaCqlToAKeyspaceOfItsOwn() {
    // a bare keyspace (the extension's own come with the tables of schema.cql)
    autocreated = CassandraExtension.sharedConfig("autocreated");
    scripted = CassandraExtension.sharedConfig("schema_cql");
    cql = CqlSessions.open(scripted.contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, TIMEOUT);
    for (String statement :
        CassandraSchema.statements(
            scripted.keyspace(), "{'class': 'SimpleStrategy', 'replication_factor': 1}")) {
      cql.execute(statement);
    }
  }

  @AfterAll
  void disconnect() {
    cql.close();
  }

  @Test
  void schemaCqlHasTheColumnsAndOptionsThePluginCreates() {
    // the plugin creates its tables when the journal and the snapshot store are first used, the
    // blob store its table when it is first used
    writeSnapshotAndRecover(autocreated.settings(), "autocreated");

    assertEquals(TABLES, tables(autocreated.keyspace()).keySet());
    assertEquals(tables(autocreated.keyspace()), tables(scripted.keyspace()));
    assertEquals(columns(autocreated.keyspace()), columns(scripted.keyspace()));
  }

  @Test
  void theJournalRunsOnSchemaCqlWithoutAutocreate() {
    writeSnapshotAndRecover(scripted.settings().withAutocreate(false), "scripted");
  }

  @Test
  void statementsForAnotherKeyspaceRenameEveryTable() {
    List<String> statements = CassandraSchema.statements("other", "{'class': 'SimpleStrategy'}");
    assertEquals(9, statements.size());
    assertEquals(
        "CREATE KEYSPACE IF NOT EXISTS other WITH replication = {'class': 'SimpleStrategy'}",
        statements.get(0));
    for (String statement : statements.subList(1, statements.size())) {
      assertEquals(true, statement.startsWith("CREATE TABLE IF NOT EXISTS other."), statement);
    }
  }

  private void writeSnapshotAndRecover(CassandraSettings settings, String name) {
    PersistenceId id = PersistenceId.of("Counter", UUID.randomUUID().toString());
    // the same on Tandem's snapshot store for large snapshots (its tables are made on first use)
    PersistenceId inParts = PersistenceId.of("Counter", UUID.randomUUID().toString());
    String partsStore = "tandem.cassandra.parts-snapshot-store";
    ActorTestKit writer = testKit(settings, name + "-writer");
    try {
      TestProbe<Counter.State> replies = writer.createTestProbe();
      TestProbe<Long> snapshots = writer.createTestProbe();
      ActorRef<Counter.Command> counter = writer.spawn(Counter.create(id, snapshots.ref()));
      ActorRef<Counter.Command> counter2 =
          writer.spawn(Counter.create(inParts, snapshots.ref(), partsStore));
      for (int amount = 1; amount <= 4; amount++) {
        counter.tell(new Counter.Add(amount, replies.ref()));
        replies.receiveMessage(TIMEOUT);
      }
      assertEquals(3L, snapshots.receiveMessage(TIMEOUT));
      for (int amount = 1; amount <= 4; amount++) {
        counter2.tell(new Counter.Add(amount, replies.ref()));
        replies.receiveMessage(TIMEOUT);
      }
      assertEquals(3L, snapshots.receiveMessage(TIMEOUT));
    } finally {
      writer.shutdownTestKit();
    }
    ActorTestKit reader = testKit(settings, name + "-reader");
    try {
      TestProbe<Counter.State> replies = reader.createTestProbe();
      ActorRef<Counter.Command> counter =
          reader.spawn(Counter.create(id, reader.<Long>createTestProbe().ref()));
      counter.tell(new Counter.Get(replies.ref()));
      assertEquals(new Counter.State(10, List.of(1, 2, 3, 4)), replies.receiveMessage(TIMEOUT));
      ActorRef<Counter.Command> counter2 =
          reader.spawn(Counter.create(inParts, reader.<Long>createTestProbe().ref(), partsStore));
      counter2.tell(new Counter.Get(replies.ref()));
      assertEquals(new Counter.State(10, List.of(1, 2, 3, 4)), replies.receiveMessage(TIMEOUT));
      BlobStore blobs = Blobs.get(reader.system());
      byte[] payload = name.repeat(1000).getBytes(java.nio.charset.StandardCharsets.UTF_8);
      BlobRef ref = blobs.put(payload).toCompletableFuture().get(30, TimeUnit.SECONDS);
      byte[] back = blobs.get(ref).toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
      assertArrayEquals(payload, back);
      CassandraSessionIndex index = SessionIndexes.get(reader.system());
      index.record("room", name, 42L).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(
          List.of(new CassandraSessionIndex.Entry("room", name, 42L)),
          index.after("room", "", 10).toCompletableFuture().get(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new AssertionError("the blob store failed on " + name, e);
    } finally {
      reader.shutdownTestKit();
    }
  }

  private static ActorTestKit testKit(CassandraSettings settings, String name) {
    return ActorTestKit.create(name, settings.pekkoOverrides().withFallback(ConfigFactory.load()));
  }

  /** Table name to its options that the plugin sets. */
  private Map<String, String> tables(String keyspace) {
    Map<String, String> tables = new TreeMap<>();
    for (Row row :
        cql.execute(
            "SELECT table_name, gc_grace_seconds, compaction FROM system_schema.tables"
                + " WHERE keyspace_name = ?",
            keyspace)) {
      tables.put(
          row.getString("table_name"),
          "gc_grace_seconds="
              + row.getInt("gc_grace_seconds")
              + " compaction="
              + new TreeMap<>(row.getMap("compaction", String.class, String.class)));
    }
    return tables;
  }

  /** Every column as "table.column kind position type clustering_order". */
  private Set<String> columns(String keyspace) {
    Set<String> columns = new TreeSet<>();
    for (Row row :
        cql.execute(
            "SELECT table_name, column_name, kind, position, type, clustering_order"
                + " FROM system_schema.columns WHERE keyspace_name = ?",
            keyspace)) {
      columns.add(
          String.join(
              " ",
              row.getString("table_name") + "." + row.getString("column_name"),
              row.getString("kind"),
              Integer.toString(row.getInt("position")),
              row.getString("type"),
              row.getString("clustering_order")));
    }
    return columns;
  }
}
