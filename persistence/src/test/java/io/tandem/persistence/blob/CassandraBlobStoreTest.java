package io.tandem.persistence.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.ConfigFactory;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.CqlSessions;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The blob store on the real Cassandra, with 1,000-byte chunks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(CassandraExtension.class)
class CassandraBlobStoreTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private ActorTestKit testKit;
  private BlobStore store;
  private CqlSession cql;
  private String table;

  @BeforeAll
  void start(CassandraTestConfig cassandra) throws Exception {
    testKit =
        ActorTestKit.create(
            "CassandraBlobStoreTest",
            ConfigFactory.parseString("tandem.cassandra.blob-chunk-bytes = 1000")
                .withFallback(cassandra.pekkoConfig())
                .withFallback(ConfigFactory.load()));
    store = Blobs.get(testKit.system());
    cql =
        CqlSessions.open(cassandra.contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, TIMEOUT);
    table = cassandra.keyspace() + "." + CassandraBlobStore.TABLE;
    // the first use creates the table (autocreate, as in tests and on a laptop)
    await(store.put(random(0, 10)));
  }

  @AfterAll
  void stop() {
    cql.close();
    testKit.shutdownTestKit();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private static byte[] random(int seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private List<Row> rows(String hash) {
    return cql.execute(
            "SELECT chunk, size, chunks, writetime(data) AS w FROM " + table + " WHERE hash = ?",
            hash)
        .all();
  }

  @Test
  void aPayloadIsSplitIntoChunksAndReadBackWhole() throws Exception {
    byte[] payload = random(1, 2_500);
    BlobRef ref = await(store.put(payload));
    assertEquals(BlobRef.of(payload), ref);
    assertEquals(2_500, ref.size());
    List<Row> rows = rows(ref.hash());
    assertEquals(3, rows.size(), "chunks of 1,000, 1,000 and 500 bytes");
    assertEquals(3, rows.get(0).getInt("chunks"));
    assertArrayEquals(payload, await(store.get(ref)).orElseThrow());
  }

  @Test
  void theSameBytesAreStoredOnceEvenWhenPutAtOnce() throws Exception {
    byte[] payload = random(2, 1_500);
    BlobRef ref = await(store.put(payload));
    long firstWrite = rows(ref.hash()).get(0).getLong("w");
    assertEquals(ref, await(store.put(payload.clone())));
    assertEquals(firstWrite, rows(ref.hash()).get(0).getLong("w"), "not written again");

    byte[] other = random(3, 4_000);
    List<CompletableFuture<BlobRef>> together =
        List.of(
            store.put(other).toCompletableFuture(),
            store.put(other.clone()).toCompletableFuture(),
            store.put(other.clone()).toCompletableFuture());
    for (CompletableFuture<BlobRef> f : together) {
      assertEquals(BlobRef.of(other), await(f));
    }
    assertEquals(4, rows(BlobRef.of(other).hash()).size(), "one blob, four chunks");
    assertArrayEquals(other, await(store.get(BlobRef.of(other))).orElseThrow());
  }

  @Test
  void anIncompleteBlobIsInvisibleUntilSomeoneStoresItWhole() throws Exception {
    byte[] payload = random(4, 1_200);
    BlobRef ref = BlobRef.of(payload);
    // a writer that died after its first chunk: no static size and chunks yet
    cql.execute(
        "INSERT INTO " + table + " (hash, chunk, data) VALUES (?, ?, ?)",
        ref.hash(),
        0,
        ByteBuffer.wrap(payload, 0, 1_000));
    assertEquals(Optional.empty(), await(store.get(ref)));
    await(store.put(payload));
    assertArrayEquals(payload, await(store.get(ref)).orElseThrow());
  }

  @Test
  void anUnknownHashIsEmpty() throws Exception {
    assertTrue(await(store.get(BlobRef.of(random(5, 10)))).isEmpty());
  }
}
