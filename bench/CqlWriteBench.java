import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Set;

/**
 * Sequential writes straight into the journal's {@code messages} table with the Cassandra driver
 * the node uses, at the plugin's write consistency (QUORUM), one row shaped like a room event at a
 * time: the floor under a journal write, to compare with the node's {@code
 * tandem_journal_write_latency_seconds} (docs/benchmarks.md). Writes under persistence ids {@code
 * bench|...}, which no entity reads.
 *
 * <p>{@code java -cp cluster-node/target/tandem-node.jar bench/CqlWriteBench.java [host:port]
 * [keyspace] [writes]}
 */
public final class CqlWriteBench {
  public static void main(String[] args) {
    String[] hostPort = (args.length > 0 ? args[0] : "127.0.0.1:9042").split(":");
    String keyspace = args.length > 1 ? args[1] : "tandem";
    int writes = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    try (CqlSession session =
        CqlSession.builder()
            .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
            .withLocalDatacenter("datacenter1")
            .build()) {
      PreparedStatement insert =
          session.prepare(
              "INSERT INTO "
                  + keyspace
                  + ".messages (persistence_id, partition_nr, sequence_nr, timestamp, timebucket,"
                  + " writer_uuid, ser_id, ser_manifest, event_manifest, event, tags)"
                  + " VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      String run = Long.toString(System.nanoTime(), 36);
      // the first round warms the driver and the JIT; the last one is the figure
      for (int round = 1; round <= 3; round++) {
        long started = System.nanoTime();
        for (int i = 1; i <= writes; i++) {
          session.execute(
              insert
                  .bind(
                      "bench|" + run + "-" + round,
                      0L,
                      (long) i,
                      Uuids.timeBased(),
                      "bench",
                      run,
                      33,
                      "doc-edited",
                      "",
                      ByteBuffer.wrap(new byte[120]),
                      Set.of())
                  .setConsistencyLevel(DefaultConsistencyLevel.QUORUM));
        }
        System.out.printf(
            Locale.ROOT,
            "round %d: %.2f ms per sequential write (%d writes)%n",
            round,
            (System.nanoTime() - started) / 1e6 / writes,
            writes);
      }
    }
  }
}
