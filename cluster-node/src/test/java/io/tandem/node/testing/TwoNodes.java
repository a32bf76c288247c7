package io.tandem.node.testing;

import static org.awaitility.Awaitility.await;

import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Two nodes of one cluster in this JVM (the browser tests use it): the first forms the cluster, the
 * second joins it through the first's Artery address as its seed. Both use the test class's
 * Cassandra keyspace and the test secret, so a token from either works on both and a session lives
 * on whichever node owns its shard, whatever node a page is connected to.
 */
public final class TwoNodes implements AutoCloseable {
  private final TestNode first;
  private final TestNode second;

  private TwoNodes(TestNode first, TestNode second) {
    this.first = first;
    this.second = second;
  }

  /** Starts both and waits until each sees the other as Up; {@code overrides} apply to both. */
  public static TwoNodes start(CassandraTestConfig cassandra, String overrides) throws Exception {
    TestNode first = TestNode.start(cassandra, overrides);
    TestNode second = null;
    try {
      String seed = Cluster.get(first.system()).selfMember().address().toString();
      second =
          TestNode.start(cassandra, overrides + "\npekko.cluster.seed-nodes = [\"" + seed + "\"]");
      TestNode a = first;
      TestNode b = second;
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> a.upMembers() == 2 && b.upMembers() == 2);
      return new TwoNodes(first, second);
    } catch (Exception | AssertionError e) {
      if (second != null) second.close();
      first.close();
      throw e;
    }
  }

  public TestNode first() {
    return first;
  }

  public TestNode second() {
    return second;
  }

  /** The nodes for the browser scripts: {@code TANDEM_URL} (first), {@code TANDEM_URL_2}. */
  public Map<String, String> env() {
    return Map.of("TANDEM_URL", first.httpUrl(), "TANDEM_URL_2", second.httpUrl());
  }

  /** The second leaves first, so the first never waits for an unreachable member. */
  @Override
  public void close() throws Exception {
    try {
      second.close();
    } finally {
      first.close();
    }
  }
}
