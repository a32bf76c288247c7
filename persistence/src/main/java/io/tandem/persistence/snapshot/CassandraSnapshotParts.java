package io.tandem.persistence.snapshot;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Snapshots in parts on two tables of the journal's keyspace: {@code snapshot_heads} (one row per
 * snapshot: its timestamp, its head and how many parts it has) and {@code snapshot_parts} (one
 * partition per snapshot, one row per part). Asynchronous driver calls only; blocks on nothing.
 *
 * <p>A save first writes the head row with no part count (so that a deletion finds the attempt),
 * then every part, at most {@code parallelism} at once, then the part count and the head: a
 * snapshot without a part count is incomplete (its writer died or failed) and never loaded. A load
 * takes the newest complete snapshot that matches, and when one of its parts cannot be read, the
 * next older one, up to {@code maxLoadAttempts} snapshots (as the Cassandra plugin does). Parts are
 * serialized and deserialized on {@code cpu}, several at once.
 *
 * <p>With {@code autocreate} (laptop, tests) the keyspace and tables are created on first use; in
 * production {@code cql/schema.cql} has them.
 */
public final class CassandraSnapshotParts {

  public static final String HEADS = "snapshot_heads";
  public static final String PARTS = "snapshot_parts";

  /** The journal's execution profile (QUORUM reads and writes). */
  static final String PROFILE = "pekko-persistence-cassandra-profile";

  private final Supplier<CassandraSession> sessionSupplier;
  private volatile CassandraSession session;
  private final String keyspace;
  private final boolean autocreate;
  private final String replication;
  private final Serialization serialization;
  private final Executor cpu;
  private final int parallelism;
  private final int maxLoadAttempts;
  private final Duration timeout;
  private CompletableFuture<Statements> statements;

  private record Statements(
      PreparedStatement begin,
      PreparedStatement writePart,
      PreparedStatement complete,
      PreparedStatement heads,
      PreparedStatement readPart,
      PreparedStatement deleteParts,
      PreparedStatement deleteHead) {}

  /** A part or head as stored: serializer, manifest, bytes. */
  private record Serialized(int serializerId, String manifest, byte[] bytes) {}

  /** Thrown when a snapshot's part is missing or unreadable: an older snapshot is tried. */
  static final class BrokenSnapshot extends RuntimeException {
    BrokenSnapshot(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * @param session the session to use, asked for on first use
   * @param keyspace the journal's keyspace
   * @param autocreate create the keyspace and tables on first use
   * @param replication the CQL replication map of an autocreated keyspace
   * @param serialization how heads and parts become bytes
   * @param cpu where parts are serialized and deserialized
   * @param parallelism parts written or read at once
   * @param maxLoadAttempts snapshots tried by one load, newest first
   * @param timeout per statement
   */
  public CassandraSnapshotParts(
      Supplier<CassandraSession> session,
      String keyspace,
      boolean autocreate,
      String replication,
      Serialization serialization,
      Executor cpu,
      int parallelism,
      int maxLoadAttempts,
      Duration timeout) {
    if (parallelism < 1 || maxLoadAttempts < 1) {
      throw new IllegalArgumentException("parallelism and max-load-attempts must be positive");
    }
    this.sessionSupplier = session;
    this.keyspace = keyspace;
    this.autocreate = autocreate;
    this.replication = replication;
    this.serialization = serialization;
    this.cpu = cpu;
    this.parallelism = parallelism;
    this.maxLoadAttempts = maxLoadAttempts;
    this.timeout = timeout;
  }

  /** The heads table in {@code keyspace}, as {@code cql/schema.cql} has it. */
  public static String createHeads(String keyspace) {
    return "CREATE TABLE IF NOT EXISTS "
        + keyspace
        + "."
        + HEADS
        + " (\n"
        + "  persistence_id text,\n"
        + "  sequence_nr bigint,\n"
        + "  timestamp bigint,\n"
        + "  parts int,\n"
        + "  in_parts boolean,\n"
        + "  ser_id int,\n"
        + "  ser_manifest text,\n"
        + "  head blob,\n"
        + "  PRIMARY KEY (persistence_id, sequence_nr))\n"
        + "  WITH CLUSTERING ORDER BY (sequence_nr DESC)";
  }

  /** The parts table in {@code keyspace}, as {@code cql/schema.cql} has it. */
  public static String createParts(String keyspace) {
    return "CREATE TABLE IF NOT EXISTS "
        + keyspace
        + "."
        + PARTS
        + " (\n"
        + "  persistence_id text,\n"
        + "  sequence_nr bigint,\n"
        + "  part int,\n"
        + "  ser_id int,\n"
        + "  ser_manifest text,\n"
        + "  data blob,\n"
        + "  PRIMARY KEY ((persistence_id, sequence_nr), part))";
  }

  // ---------------------------------------------------------------- save

  /**
   * Stores {@code snapshot} (a {@link SnapshotInParts} in parts, anything else as a head alone);
   * completes once every row is written.
   */
  public CompletionStage<Done> save(SnapshotMetadata meta, Object snapshot) {
    boolean inParts = snapshot instanceof SnapshotInParts;
    Object head = inParts ? ((SnapshotInParts) snapshot).head() : snapshot;
    List<?> parts = inParts ? ((SnapshotInParts) snapshot).parts() : List.of();
    String pid = meta.persistenceId();
    long seq = meta.sequenceNr();
    return statements()
        .thenCompose(
            s ->
                session
                    .executeWrite(withProfile(s.begin().bind(pid, seq, meta.timestamp())))
                    .thenCompose(
                        done ->
                            inLanes(
                                parts.size(),
                                i ->
                                    CompletableFuture.supplyAsync(
                                            () -> serialize(parts.get(i)), cpu)
                                        .thenCompose(
                                            p ->
                                                session.executeWrite(
                                                    withProfile(
                                                        s.writePart()
                                                            .bind(
                                                                pid,
                                                                seq,
                                                                i,
                                                                p.serializerId(),
                                                                p.manifest(),
                                                                ByteBuffer.wrap(p.bytes())))))))
                    .thenCompose(done -> CompletableFuture.supplyAsync(() -> serialize(head), cpu))
                    .thenCompose(
                        h ->
                            session.executeWrite(
                                withProfile(
                                    s.complete()
                                        .bind(
                                            parts.size(),
                                            inParts,
                                            h.serializerId(),
                                            h.manifest(),
                                            ByteBuffer.wrap(h.bytes()),
                                            pid,
                                            seq)))));
  }

  // ---------------------------------------------------------------- load

  /** The newest complete snapshot matching {@code criteria} that can be read whole, if any. */
  public CompletionStage<Optional<SelectedSnapshot>> load(
      String pid, SnapshotSelectionCriteria criteria) {
    return statements()
        .thenCompose(s -> candidates(s, pid, criteria))
        .thenCompose(
            rows -> {
              List<Row> complete = new ArrayList<>();
              for (Row r : rows) {
                if (!r.isNull("parts") && complete.size() < maxLoadAttempts) {
                  complete.add(r);
                }
              }
              return tryLoad(pid, complete, 0, null);
            });
  }

  private CompletionStage<Optional<SelectedSnapshot>> tryLoad(
      String pid, List<Row> rows, int at, Throwable lastFailure) {
    if (at >= rows.size()) {
      if (lastFailure != null) {
        return CompletableFuture.failedFuture(lastFailure);
      }
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Row row = rows.get(at);
    return loadOne(pid, row)
        .handle(
            (loaded, failure) ->
                failure == null
                    ? CompletableFuture.completedFuture(Optional.of(loaded))
                    : tryLoad(pid, rows, at + 1, failure))
        .thenCompose(next -> next);
  }

  private CompletionStage<SelectedSnapshot> loadOne(String pid, Row row) {
    long seq = row.getLong("sequence_nr");
    int count = row.getInt("parts");
    boolean inParts = row.getBoolean("in_parts");
    SnapshotMetadata meta = new SnapshotMetadata(pid, seq, row.getLong("timestamp"));
    Serialized head =
        new Serialized(row.getInt("ser_id"), row.getString("ser_manifest"), bytes(row, "head"));
    Object[] parts = new Object[count];
    return statements()
        .thenCompose(
            s ->
                inLanes(
                    count,
                    i ->
                        session
                            .selectOne(withProfile(s.readPart().bind(pid, seq, i)))
                            .thenApplyAsync(
                                part -> {
                                  if (part.isEmpty()) {
                                    throw new BrokenSnapshot(
                                        "part " + i + " of " + meta + " is missing", null);
                                  }
                                  Row r = part.get();
                                  parts[i] =
                                      deserialize(
                                          new Serialized(
                                              r.getInt("ser_id"),
                                              r.getString("ser_manifest"),
                                              bytes(r, "data")));
                                  return Done.getInstance();
                                },
                                cpu)))
        .thenApplyAsync(
            done -> {
              Object h = deserialize(head);
              Object snapshot = inParts ? new SnapshotParts(h, Arrays.asList(parts)) : h;
              return SelectedSnapshot.create(meta, snapshot);
            },
            cpu);
  }

  private CompletionStage<List<Row>> candidates(
      Statements s, String pid, SnapshotSelectionCriteria criteria) {
    return session
        .selectAll(
            withProfile(s.heads().bind(pid, criteria.minSequenceNr(), criteria.maxSequenceNr())))
        .thenApply(
            rows -> {
              List<Row> out = new ArrayList<>();
              for (Row r : rows) {
                long ts = r.isNull("timestamp") ? 0 : r.getLong("timestamp");
                if (ts >= criteria.minTimestamp() && ts <= criteria.maxTimestamp()) {
                  out.add(r);
                }
              }
              return out;
            });
  }

  // ---------------------------------------------------------------- delete

  /** Deletes one snapshot (its parts first, then its head). */
  public CompletionStage<Done> delete(String pid, long seq) {
    return statements()
        .thenCompose(
            s ->
                session
                    .executeWrite(withProfile(s.deleteParts().bind(pid, seq)))
                    .thenCompose(
                        done -> session.executeWrite(withProfile(s.deleteHead().bind(pid, seq)))));
  }

  /** Deletes every snapshot matching {@code criteria}, incomplete ones too. */
  public CompletionStage<Done> delete(String pid, SnapshotSelectionCriteria criteria) {
    return statements()
        .thenCompose(s -> candidates(s, pid, criteria))
        .thenCompose(
            rows -> {
              CompletionStage<Done> all = CompletableFuture.completedFuture(Done.getInstance());
              for (Row r : rows) {
                long seq = r.getLong("sequence_nr");
                all = all.thenCompose(done -> delete(pid, seq));
              }
              return all;
            });
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Runs {@code work(0..n-1)} with at most {@code parallelism} at once: lane j does j, j + p, j +
   * 2p, ... one after the other.
   */
  private CompletionStage<Done> inLanes(int n, IntFunction<CompletionStage<Done>> work) {
    int lanes = Math.min(parallelism, n);
    List<CompletableFuture<Done>> all = new ArrayList<>(lanes);
    for (int lane = 0; lane < lanes; lane++) {
      all.add(lane(lane, lanes, n, work).toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(v -> Done.getInstance());
  }

  private static CompletionStage<Done> lane(
      int at, int step, int n, IntFunction<CompletionStage<Done>> work) {
    if (at >= n) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return work.apply(at).thenCompose(done -> lane(at + step, step, n, work));
  }

  private Serialized serialize(Object o) {
    Serializer serializer = serialization.findSerializerFor(o);
    return new Serialized(
        serializer.identifier(), Serializers.manifestFor(serializer, o), serializer.toBinary(o));
  }

  private Object deserialize(Serialized s) {
    try {
      return serialization.deserialize(s.bytes(), s.serializerId(), s.manifest()).get();
    } catch (Exception e) {
      throw new BrokenSnapshot("cannot deserialize a snapshot part: " + e, e);
    }
  }

  private static byte[] bytes(Row row, String column) {
    ByteBuffer b = row.getByteBuffer(column);
    if (b == null) {
      return new byte[0];
    }
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  private Statement<?> withProfile(Statement<?> st) {
    return st.setExecutionProfileName(PROFILE).setTimeout(timeout);
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
    String heads = keyspace + "." + HEADS;
    String parts = keyspace + "." + PARTS;
    CompletionStage<Done> ready =
        autocreate
            ? session
                .executeDDL(
                    "CREATE KEYSPACE IF NOT EXISTS "
                        + keyspace
                        + " WITH replication = "
                        + replication)
                .thenCompose(done -> session.executeDDL(createHeads(keyspace)))
                .thenCompose(done -> session.executeDDL(createParts(keyspace)))
            : CompletableFuture.completedFuture(Done.getInstance());
    return ready.thenCompose(
        done -> {
          List<CompletableFuture<PreparedStatement>> all =
              List.of(
                  prepare(
                      "INSERT INTO "
                          + heads
                          + " (persistence_id, sequence_nr, timestamp, parts, head)"
                          + " VALUES (?, ?, ?, null, null)"),
                  prepare(
                      "INSERT INTO "
                          + parts
                          + " (persistence_id, sequence_nr, part, ser_id, ser_manifest, data)"
                          + " VALUES (?, ?, ?, ?, ?, ?)"),
                  prepare(
                      "UPDATE "
                          + heads
                          + " SET parts = ?, in_parts = ?, ser_id = ?, ser_manifest = ?, head = ?"
                          + " WHERE persistence_id = ? AND sequence_nr = ?"),
                  prepare(
                      "SELECT sequence_nr, timestamp, parts, in_parts, ser_id, ser_manifest, head"
                          + " FROM "
                          + heads
                          + " WHERE persistence_id = ? AND sequence_nr >= ? AND sequence_nr <= ?"),
                  prepare(
                      "SELECT ser_id, ser_manifest, data FROM "
                          + parts
                          + " WHERE persistence_id = ? AND sequence_nr = ? AND part = ?"),
                  prepare("DELETE FROM " + parts + " WHERE persistence_id = ? AND sequence_nr = ?"),
                  prepare(
                      "DELETE FROM " + heads + " WHERE persistence_id = ? AND sequence_nr = ?"));
          return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
              .thenApply(
                  v ->
                      new Statements(
                          all.get(0).join(),
                          all.get(1).join(),
                          all.get(2).join(),
                          all.get(3).join(),
                          all.get(4).join(),
                          all.get(5).join(),
                          all.get(6).join()));
        });
  }

  private CompletableFuture<PreparedStatement> prepare(String cql) {
    return session.prepare(cql).toCompletableFuture();
  }
}
