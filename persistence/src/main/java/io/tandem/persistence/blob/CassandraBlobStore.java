package io.tandem.persistence.blob;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * {@link BlobStore} on the {@code blobs} table of the journal's keyspace, through the Cassandra
 * plugin's own session (asynchronous driver calls only).
 *
 * <p>A blob is one partition: its chunks are clustering rows, and its {@code size} and {@code
 * chunks} are static columns written last. A blob whose static columns are missing is incomplete
 * (its writer died) and invisible: {@link #get} answers empty and {@link #put} writes it again.
 * Writes are idempotent (same hash, same chunk, same bytes), so two writers of one payload at once
 * leave one blob. Reads and writes use the journal's execution profile (QUORUM): a blob is durable
 * before the event that references it is written.
 *
 * <p>With {@code autocreate} (laptop, tests) the keyspace and table are created on first use, as
 * the plugin does for its tables; production applies {@code cql/schema.cql}.
 */
public final class CassandraBlobStore implements BlobStore {

  /** The table, in the journal's keyspace. */
  public static final String TABLE = "blobs";

  /** The execution profile the plugin's journal uses (QUORUM reads and writes). */
  static final String PROFILE = "pekko-persistence-cassandra-profile";

  /**
   * Per statement: a chunk is up to a few hundred KiB, more than the driver's default 2 s allows on
   * a busy small machine. Writes are idempotent, so a failed put is tried again up to {@value
   * #ATTEMPTS} times in all.
   */
  static final Duration TIMEOUT = Duration.ofSeconds(10);

  static final int ATTEMPTS = 3;

  private final Supplier<CassandraSession> sessionSupplier;
  private volatile CassandraSession session;
  private final String keyspace;
  private final int chunkBytes;
  private final boolean autocreate;
  private final String replication;
  private final Executor hashing;

  private CompletableFuture<Statements> statements;

  private record Statements(
      PreparedStatement head,
      PreparedStatement writeChunk,
      PreparedStatement writeHead,
      PreparedStatement read) {}

  /**
   * @param session the plugin's session ({@code pekko.persistence.cassandra}), asked for on first
   *     use only: the plugin must be the one that creates it in the registry, or its own keyspace
   *     and table creation (the session's init) would not run
   * @param keyspace the journal's keyspace
   * @param chunkBytes largest chunk row; payloads are split into chunks of this size
   * @param autocreate create keyspace and table on first use
   * @param replication CQL replication map for an autocreated keyspace
   * @param hashing where payloads are hashed (CPU work, not to run on the caller's thread)
   */
  public CassandraBlobStore(
      Supplier<CassandraSession> session,
      String keyspace,
      int chunkBytes,
      boolean autocreate,
      String replication,
      Executor hashing) {
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be positive, was " + chunkBytes);
    }
    this.sessionSupplier = session;
    this.keyspace = keyspace;
    this.chunkBytes = chunkBytes;
    this.autocreate = autocreate;
    this.replication = replication;
    this.hashing = hashing;
  }

  /** The table's definition in {@code keyspace}, as {@code cql/schema.cql} has it. */
  public static String createTable(String keyspace) {
    return "CREATE TABLE IF NOT EXISTS "
        + keyspace
        + "."
        + TABLE
        + " (\n"
        + "  hash text,\n"
        + "  chunk int,\n"
        + "  data blob,\n"
        + "  size bigint static,\n"
        + "  chunks int static,\n"
        + "  PRIMARY KEY (hash, chunk))";
  }

  @Override
  public CompletionStage<BlobRef> put(byte[] bytes) {
    return CompletableFuture.supplyAsync(() -> BlobRef.of(bytes), hashing)
        .thenCompose(ref -> attempt(ref, bytes, 1));
  }

  private CompletionStage<BlobRef> attempt(BlobRef ref, byte[] bytes, int attempt) {
    CompletionStage<BlobRef> once = putOnce(ref, bytes);
    if (attempt >= ATTEMPTS) {
      return once;
    }
    return once.handle(
            (stored, failure) ->
                failure == null
                    ? CompletableFuture.completedFuture(stored)
                    : attempt(ref, bytes, attempt + 1))
        .thenCompose(stage -> stage);
  }

  private CompletionStage<BlobRef> putOnce(BlobRef ref, byte[] bytes) {
    return CompletableFuture.completedFuture(ref)
        .thenCompose(
            r ->
                statements()
                    .thenCompose(
                        s ->
                            session
                                .selectOne(
                                    s.head()
                                        .bind(ref.hash())
                                        .setExecutionProfileName(PROFILE)
                                        .setTimeout(TIMEOUT))
                                .thenCompose(
                                    head ->
                                        isComplete(head)
                                            ? CompletableFuture.completedFuture(Done.getInstance())
                                            : write(s, ref, bytes)))
                    .thenApply(done -> ref));
  }

  @Override
  public CompletionStage<Optional<byte[]>> get(BlobRef ref) {
    return statements()
        .thenCompose(
            s ->
                session.selectAll(
                    s.read().bind(ref.hash()).setExecutionProfileName(PROFILE).setTimeout(TIMEOUT)))
        .thenApply(rows -> assemble(ref, rows));
  }

  private static boolean isComplete(Optional<Row> head) {
    return head.isPresent() && !head.get().isNull("chunks") && !head.get().isNull("size");
  }

  /** Every chunk, in parallel; then the static columns, which make the blob visible. */
  private CompletionStage<Done> write(Statements s, BlobRef ref, byte[] bytes) {
    int chunks = (bytes.length + chunkBytes - 1) / chunkBytes;
    List<CompletableFuture<Done>> writes = new ArrayList<>(chunks);
    for (int i = 0; i < chunks; i++) {
      int from = i * chunkBytes;
      ByteBuffer data =
          ByteBuffer.wrap(
              Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + chunkBytes)));
      writes.add(
          session
              .executeWrite(
                  s.writeChunk()
                      .bind(ref.hash(), i, data)
                      .setExecutionProfileName(PROFILE)
                      .setTimeout(TIMEOUT))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
        .thenCompose(
            all ->
                session.executeWrite(
                    s.writeHead()
                        .bind(ref.hash(), (long) bytes.length, chunks)
                        .setExecutionProfileName(PROFILE)
                        .setTimeout(TIMEOUT)));
  }

  /** The payload from its rows (ordered by chunk), or empty when incomplete. */
  private static Optional<byte[]> assemble(BlobRef ref, List<Row> rows) {
    if (rows.isEmpty() || !isComplete(Optional.of(rows.get(0)))) {
      return Optional.empty();
    }
    long size = rows.get(0).getLong("size");
    int chunks = rows.get(0).getInt("chunks");
    if (size != ref.size() || size > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    byte[] out = new byte[(int) size];
    int at = 0;
    int seen = 0;
    for (Row row : rows) {
      if (row.isNull("chunk")) {
        continue;
      }
      ByteBuffer data = row.getByteBuffer("data");
      int n = data == null ? 0 : data.remaining();
      if (row.getInt("chunk") != seen || at + n > out.length) {
        return Optional.empty();
      }
      data.get(out, at, n);
      at += n;
      seen++;
    }
    return seen == chunks && at == out.length ? Optional.of(out) : Optional.empty();
  }

  /** Prepared once (after creating the table when asked to); a failure is retried on next use. */
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
            : CompletableFuture.completedFuture(Done.getInstance());
    return ready.thenCompose(
        done -> {
          CompletableFuture<PreparedStatement> head =
              prepare("SELECT size, chunks FROM " + table + " WHERE hash = ? LIMIT 1");
          CompletableFuture<PreparedStatement> chunk =
              prepare("INSERT INTO " + table + " (hash, chunk, data) VALUES (?, ?, ?)");
          CompletableFuture<PreparedStatement> writeHead =
              prepare("INSERT INTO " + table + " (hash, size, chunks) VALUES (?, ?, ?)");
          CompletableFuture<PreparedStatement> read =
              prepare("SELECT chunk, data, size, chunks FROM " + table + " WHERE hash = ?");
          return CompletableFuture.allOf(head, chunk, writeHead, read)
              .thenApply(
                  all -> new Statements(head.join(), chunk.join(), writeHead.join(), read.join()));
        });
  }

  private CompletableFuture<PreparedStatement> prepare(String cql) {
    return session.prepare(cql).toCompletableFuture();
  }
}
