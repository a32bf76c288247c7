package io.tandem.persistence.index;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The session index: the {@code sessions} table of the journal's keyspace, one row per session ever
 * created ({@code kind}, {@code name}, {@code created}), written once when the session's entity
 * persists its creation. It answers "does this session exist" and lists sessions page by page
 * without waking any entity. Kinds are the wire prefixes ({@code room}, {@code recording}, {@code
 * map}, ...): a new session kind needs no schema change.
 *
 * <p>One partition per kind, rows ordered by name: a page is one range read ({@code name > ?}).
 * Rows are about 100 bytes, so a kind stays under Cassandra's advised 100 MB per partition up to
 * about a million sessions. Asynchronous driver calls only, on the journal plugin's session and
 * execution profile (QUORUM). With {@code autocreate} (laptop, tests) the table is created on first
 * use, as the blob store does; production applies {@code cql/schema.cql}.
 */
public final class CassandraSessionIndex {

  /** The table, in the journal's keyspace. */
  public static final String TABLE = "sessions";

  static final String PROFILE = "pekko-persistence-cassandra-profile";
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** One indexed session. */
  public record Entry(String kind, String name, long created) {}

  private final Supplier<CassandraSession> sessionSupplier;
  private volatile CassandraSession session;
  private final String keyspace;
  private final boolean autocreate;
  private final String replication;
  private CompletableFuture<Statements> statements;

  private record Statements(
      PreparedStatement insert,
      PreparedStatement one,
      PreparedStatement after,
      PreparedStatement persistenceId,
      PreparedStatement delete,
      PreparedStatement markEnded,
      PreparedStatement ended) {}

  /**
   * @param session the journal plugin's session, asked for on first use only
   * @param keyspace the journal's keyspace
   * @param autocreate create keyspace and table on first use
   * @param replication CQL replication map for an autocreated keyspace
   */
  public CassandraSessionIndex(
      Supplier<CassandraSession> session, String keyspace, boolean autocreate, String replication) {
    this.sessionSupplier = session;
    this.keyspace = keyspace;
    this.autocreate = autocreate;
    this.replication = replication;
  }

  /** The table's definition in {@code keyspace}, as {@code cql/schema.cql} has it. */
  public static String createTable(String keyspace) {
    return "CREATE TABLE IF NOT EXISTS "
        + keyspace
        + "."
        + TABLE
        + " (\n"
        + "  kind text,\n"
        + "  name text,\n"
        + "  created bigint,\n"
        + "  ended bigint,\n"
        + "  PRIMARY KEY (kind, name))";
  }

  /** Adds the {@code ended} column to a table made before it existed. */
  static String addEnded(String keyspace) {
    return "ALTER TABLE " + keyspace + "." + TABLE + " ADD ended bigint";
  }

  /** A session that ended (a recording) and when, from {@link #ended}. */
  public record Ended(String name, long ended) {}

  /** Records a session (idempotent: the same session again writes the same row). */
  public CompletionStage<Done> record(String kind, String name, long created) {
    return statements()
        .thenCompose(
            s ->
                session.executeWrite(
                    s.insert()
                        .bind(kind, name, created)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)));
  }

  /**
   * Removes a session's row (it was deleted): listings no longer show it and lookups by name find
   * it no more (unless its journal still names it, see {@link #journalKnows}).
   */
  public CompletionStage<Done> delete(String kind, String name) {
    return statements()
        .thenCompose(
            s ->
                session.executeWrite(
                    s.delete()
                        .bind(kind, name)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)));
  }

  /** Records that a session ended at {@code ended} (epoch ms), for retention. */
  public CompletionStage<Done> markEnded(String kind, String name, long ended) {
    return statements()
        .thenCompose(
            s ->
                session.executeWrite(
                    s.markEnded()
                        .bind(ended, kind, name)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)));
  }

  /**
   * The sessions of {@code kind} after {@code afterName} (at most {@code limit} rows read) that
   * have ended, with when; {@code next} is the last name read, null when the kind is done.
   */
  public CompletionStage<EndedPage> ended(String kind, String afterName, int limit) {
    return statements()
        .thenCompose(
            s ->
                session.selectAll(
                    s.ended()
                        .bind(kind, afterName, limit)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)))
        .thenApply(
            rows -> {
              List<Ended> out = new ArrayList<>();
              String last = null;
              for (Row r : rows) {
                last = r.getString("name");
                if (!r.isNull("ended")) {
                  out.add(new Ended(last, r.getLong("ended")));
                }
              }
              return new EndedPage(out, rows.size() < limit ? null : last);
            });
  }

  /** One page of {@link #ended}. */
  public record EndedPage(List<Ended> ended, String next) {}

  /** The session's entry, empty when the index does not know it. */
  public CompletionStage<Optional<Entry>> find(String kind, String name) {
    return statements()
        .thenCompose(
            s ->
                session.selectOne(
                    s.one().bind(kind, name).setExecutionProfileName(PROFILE).setTimeout(TIMEOUT)))
        .thenApply(row -> row.map(r -> new Entry(kind, name, r.getLong("created"))));
  }

  /** At most {@code limit} sessions of {@code kind} whose name sorts after {@code afterName}. */
  public CompletionStage<List<Entry>> after(String kind, String afterName, int limit) {
    return statements()
        .thenCompose(
            s ->
                session.selectAll(
                    s.after()
                        .bind(kind, afterName, limit)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)))
        .thenApply(
            rows -> {
              List<Entry> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(new Entry(kind, r.getString("name"), r.getLong("created")));
              }
              return out;
            });
  }

  /**
   * Whether the journal has ever written {@code persistenceId} (its {@code all_persistence_ids}
   * table): the fallback for sessions created before the index existed, one row read.
   */
  public CompletionStage<Boolean> journalKnows(String persistenceId) {
    return statements()
        .thenCompose(
            s ->
                session.selectOne(
                    s.persistenceId()
                        .bind(persistenceId)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)))
        .thenApply(Optional::isPresent);
  }

  private synchronized CompletableFuture<Statements> statements() {
    if (session == null) {
      session = sessionSupplier.get();
    }
    if (statements == null || statements.isCompletedExceptionally()) {
      statements = prepareAll().toCompletableFuture();
    }
    return statements;
  }

  private CompletionStage<Statements> prepareAll() {
    String table = keyspace + "." + TABLE;
    CompletionStage<Done> ready =
        autocreate
            ? session
                .executeDDL(
                    "CREATE KEYSPACE IF NOT EXISTS "
                        + keyspace
                        + " WITH replication = "
                        + replication)
                .thenCompose(done -> session.executeDDL(createTable(keyspace)))
                // a table made by an older version: add the column (an error says it is there)
                .thenCompose(
                    done ->
                        session
                            .executeDDL(addEnded(keyspace))
                            .exceptionally(alreadyThere -> Done.getInstance()))
            : CompletableFuture.completedFuture(Done.getInstance());
    return ready.thenCompose(
        done -> {
          CompletableFuture<PreparedStatement> insert =
              prepare("INSERT INTO " + table + " (kind, name, created) VALUES (?, ?, ?)");
          CompletableFuture<PreparedStatement> one =
              prepare("SELECT created FROM " + table + " WHERE kind = ? AND name = ?");
          CompletableFuture<PreparedStatement> after =
              prepare(
                  "SELECT name, created FROM "
                      + table
                      + " WHERE kind = ? AND name > ? ORDER BY name LIMIT ?");
          CompletableFuture<PreparedStatement> pid =
              prepare(
                  "SELECT persistence_id FROM "
                      + keyspace
                      + ".all_persistence_ids WHERE persistence_id = ?");
          CompletableFuture<PreparedStatement> delete =
              prepare("DELETE FROM " + table + " WHERE kind = ? AND name = ?");
          CompletableFuture<PreparedStatement> markEnded =
              prepare("UPDATE " + table + " SET ended = ? WHERE kind = ? AND name = ?");
          CompletableFuture<PreparedStatement> ended =
              prepare(
                  "SELECT name, ended FROM "
                      + table
                      + " WHERE kind = ? AND name > ? ORDER BY name LIMIT ?");
          return CompletableFuture.allOf(insert, one, after, pid, delete, markEnded, ended)
              .thenApply(
                  all ->
                      new Statements(
                          insert.join(),
                          one.join(),
                          after.join(),
                          pid.join(),
                          delete.join(),
                          markEnded.join(),
                          ended.join()));
        });
  }

  private CompletableFuture<PreparedStatement> prepare(String cql) {
    return session.prepare(cql).toCompletableFuture();
  }
}
