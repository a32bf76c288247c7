import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.datastax.oss.driver.api.core.uuid.Uuids;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;

/**
 * What a steady rate of journal writes costs Cassandra, without a node: rows shaped like room
 * events (persistence ids {@code bench|...}, which no entity reads) written into the journal's
 * {@code messages} table at a fixed rate for some seconds, then Cassandra's CPU over that window
 * from {@code /proc/<pid>/stat} (100 % is one core). Each request is one row, or a batch of rows
 * of 20 persistence ids in turn ({@code batch > 1}) or of one ({@code batch < -1}). A first window
 * of the same length warms up and is not counted (docs/benchmarks.md, "Tenth session").
 *
 * <p>{@code java -cp cluster-node/target/tandem-node.jar bench/CqlRateBench.java <cassandra pid>
 * <rows per second> [seconds=10] [batch=1] [row bytes=200] [host:port=127.0.0.1:9042]}
 */
public final class CqlRateBench {
  private static final int IDS = 20;
  private static final int IN_FLIGHT = 64;

  public static void main(String[] args) throws Exception {
    long pid = Long.parseLong(args[0]);
    int rate = Integer.parseInt(args[1]);
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int batchArg = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    int bytes = args.length > 4 ? Integer.parseInt(args[4]) : 200;
    String[] hostPort = (args.length > 5 ? args[5] : "127.0.0.1:9042").split(":");
    boolean onePartition = batchArg < 0;
    int batch = Math.max(1, Math.abs(batchArg));
    try (CqlSession session =
        CqlSession.builder()
            .addContactPoint(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])))
            .withLocalDatacenter("datacenter1")
            .build()) {
      PreparedStatement insert =
          session.prepare(
              "INSERT INTO tandem.messages (persistence_id, partition_nr, sequence_nr, timestamp,"
                  + " timebucket, writer_uuid, ser_id, ser_manifest, event_manifest, event, tags)"
                  + " VALUES (?,?,?,?,?,?,?,?,?,?,?)");
      String run = Long.toString(System.nanoTime(), 36);
      long[] seq = new long[IDS];
      for (String window : List.of("warm-up", "measured")) {
        long cpuBefore = cpuTicks(pid);
        long started = System.nanoTime();
        Semaphore inFlight = new Semaphore(IN_FLIGHT);
        long requests = (long) rate * seconds / batch;
        for (long r = 0; r < requests; r++) {
          long due = started + r * 1_000_000_000L * batch / rate;
          for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
            LockSupport.parkNanos(due - now);
          }
          List<BoundStatement> rows = new ArrayList<>(batch);
          for (int b = 0; b < batch; b++) {
            int id = (int) ((onePartition ? r : r * batch + b) % IDS);
            rows.add(
                insert.bind(
                    "bench|" + run + "-" + id,
                    0L,
                    ++seq[id],
                    Uuids.timeBased(),
                    "bench",
                    run,
                    33,
                    "doc-edited",
                    "",
                    ByteBuffer.wrap(new byte[bytes]),
                    Set.of()));
          }
          Statement<?> request =
              batch == 1
                  ? rows.get(0)
                  : BatchStatement.newInstance(DefaultBatchType.UNLOGGED).addAll(rows);
          inFlight.acquire();
          session
              .executeAsync(request.setConsistencyLevel(DefaultConsistencyLevel.QUORUM))
              .whenComplete(
                  (done, failed) -> {
                    if (failed != null) {
                      System.err.println(failed);
                    }
                    inFlight.release();
                  });
        }
        inFlight.acquire(IN_FLIGHT);
        double elapsed = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "%s: %d rows in %d requests over %.1f s, Cassandra CPU %.1f %% of a core%n",
            window,
            requests * batch,
            requests,
            elapsed,
            (cpuTicks(pid) - cpuBefore) / elapsed);
      }
    }
  }

  /** utime + stime of a process, in clock ticks (100 a second on Linux). */
  private static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }
}
