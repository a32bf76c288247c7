package io.tandem.node.ws;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.protocol.CloseCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Scaling out evens out connections: twelve clients on a lone node, a second node joins, and the
 * first asks just enough of them to reconnect elsewhere ({@code bye{draining}}, 1012) that both
 * nodes end within the tolerance of the even share, and then stops.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionBalancingTest {
  private static final int CLIENTS = 12;
  // even share 6, limit ceil(6 * 1.25) = 8: at least 4 must move, and no node may end above 8
  private static final int LIMIT = 8;
  private static final String BALANCE =
      "tandem.ws.balance { interval = 500ms, settle = 2s, tolerance = 0.25, max-per-second = 100, min-connections = 0 }";

  private TestNode first;
  private TestNode second;
  private final List<WsClient> onFirst = new ArrayList<>();
  private final List<WsClient> onSecond = new ArrayList<>();
  private int moved;

  @BeforeAll
  void start(CassandraTestConfig cassandra) throws Exception {
    first = TestNode.start(cassandra, BALANCE);
    for (int i = 0; i < CLIENTS; i++) {
      onFirst.add(connect(first, i));
    }
    String seed = Cluster.get(first.system()).selfMember().address().toString();
    second = TestNode.start(cassandra, BALANCE + "\npekko.cluster.seed-nodes = [\"" + seed + "\"]");
  }

  @AfterAll
  void stop() throws Exception {
    onFirst.forEach(WsClient::close);
    onSecond.forEach(WsClient::close);
    if (second != null) second.close();
    if (first != null) first.close();
  }

  private static WsClient connect(TestNode node, int i) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token("client-" + i, "room:*:write"));
    return c;
  }

  /** Reconnects, to the second node, every client the first asked to go; true if none was left. */
  private boolean moveTheAskedOnes() {
    boolean none = true;
    for (int i = 0; i < onFirst.size(); i++) {
      WsClient c = onFirst.get(i);
      if (!c.isClosed()) {
        continue;
      }
      none = false;
      JsonNode bye = c.await(f -> "bye".equals(f.path("type").asText()), Duration.ofSeconds(5));
      assertEquals("draining", bye.path("payload").path("reason").asText());
      assertEquals(CloseCode.DRAINING.code(), c.awaitClose(Duration.ofSeconds(5)));
      onFirst.remove(i--);
      onSecond.add(connect(second, CLIENTS + moved++));
    }
    assertTrue(onSecond.stream().noneMatch(WsClient::isClosed), "the second node shed a client");
    return none;
  }

  private int openOn(TestNode node) {
    return node.node().connections().openConnections();
  }

  @Test
  void theCrowdedNodeShedsItsExcessAndNoMore() {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> moveTheAskedOnes() && openOn(first) <= LIMIT && openOn(second) == moved);
    // and it stays so: several rounds with nobody asked to go
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> moveTheAskedOnes() && openOn(first) + openOn(second) == CLIENTS);
    assertTrue(
        openOn(first) <= LIMIT && openOn(second) <= LIMIT, openOn(first) + " / " + openOn(second));
    // no storm: at least the 4 the even share needs moved, and at most 2 more than that
    assertTrue(moved >= CLIENTS - LIMIT && moved <= CLIENTS - LIMIT + 2, "moved " + moved);
  }
}
