package io.tandem.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.NodeProcess;
import io.tandem.node.testing.ResumingEditor;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A real cluster: three node JVMs on loopback, formed by Cluster Bootstrap with config discovery,
 * one real Cassandra. Clients on every node edit one room while the room's node is killed with
 * SIGKILL, or drained with SIGTERM, or while a fourth node joins and takes shards. The clients
 * behave as real ones do (reconnect to another node, resume with {@code since}, resend an
 * unacknowledged op with its idempotency key). Afterwards every client holds every acknowledged op
 * exactly once, in one order, and the room's state equals what its journal replays to.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterFailoverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RECOVERY = Duration.ofSeconds(120);
  private static final String TOKEN = NodeProcess.token("ops", "room:*:write");

  private final CassandraTestConfig cassandra;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private int started;

  ClusterFailoverTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @BeforeAll
  void startThreeNodes() throws Exception {
    List<NodeProcess.Ports> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ports.add(freePorts());
    }
    String endpoints =
        ports.stream().map(NodeProcess.Ports::managementEndpoint).collect(Collectors.joining(","));
    for (NodeProcess.Ports p : ports) {
      nodes.add(launch(p, endpoints, "3"));
    }
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(180));
    }
    awaitMembers(3);
  }

  @AfterAll
  void stopNodes() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  /** Progress, with time, in the test's output file (target/surefire-reports/...-output.txt). */
  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " " + what);
  }

  private static NodeProcess.Ports freePorts() {
    int[] p = FreePorts.pick(3);
    return new NodeProcess.Ports(p[0], p[1], p[2]);
  }

  private NodeProcess launch(NodeProcess.Ports ports, String endpoints, String requiredContacts)
      throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_BOOTSTRAP", "config");
    env.put("TANDEM_BOOTSTRAP_ENDPOINTS", endpoints);
    env.put("TANDEM_BOOTSTRAP_REQUIRED_CONTACTS", requiredContacts);
    env.put("TANDEM_BOOTSTRAP_STABLE_MARGIN", "1s");
    env.put("TANDEM_SBR_STABLE_AFTER", "5s");
    // sharding looks for imbalance every 2 s (default 10 s) so the join test moves shards quickly
    env.put("JAVA_TOOL_OPTIONS", "-Dpekko.cluster.sharding.rebalance-interval=2s");
    return NodeProcess.launch("cluster-" + (++started), cassandra, ports, env);
  }

  /** Brings the cluster back to three live nodes (a test may have killed or drained one). */
  private void ensureThreeNodes() throws Exception {
    nodes.removeIf(n -> !n.isAlive());
    while (nodes.size() < 3) {
      nodes.add(joinOneMore());
    }
    awaitMembers(nodes.size());
    log("cluster of " + nodes.size() + " ready");
  }

  /** A new node that finds the running cluster through bootstrap and joins it. */
  private NodeProcess joinOneMore() throws Exception {
    NodeProcess.Ports ports = freePorts();
    List<String> endpoints = new ArrayList<>();
    for (NodeProcess n : nodes) {
      endpoints.add(n.ports().managementEndpoint());
    }
    endpoints.add(ports.managementEndpoint());
    NodeProcess node = launch(ports, String.join(",", endpoints), "1");
    try {
      node.awaitReady(Duration.ofSeconds(180));
    } catch (RuntimeException | AssertionError e) {
      // not in nodes yet, so stopNodes would leave it running after the test
      node.close();
      throw e;
    }
    return node;
  }

  /** Waits until every live node sees exactly {@code n} members, all Up. */
  private void awaitMembers(int n) {
    await()
        .atMost(RECOVERY)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              for (NodeProcess node : nodes) {
                JsonNode members = JSON.readTree(node.management("/cluster/members").body());
                int up = 0;
                for (JsonNode m : members.path("members")) {
                  if ("Up".equals(m.path("status").asText())) {
                    up++;
                  }
                }
                assertEquals(n, up, node.name() + " sees " + up + " Up members");
                assertEquals(0, members.path("unreachable").size(), "no unreachable member");
              }
            });
  }

  @Test
  void killingTheRoomsNodeLosesNoAcknowledgedChangeAndAppliesNoneTwice() throws Exception {
    ensureThreeNodes();
    String room = "room:crash-" + UUID.randomUUID().toString().substring(0, 8);
    List<ResumingEditor> editors = editorsOnEveryNode(room);
    try {
      awaitEveryEditorAcked(editors, 15);
      NodeProcess host = hostOf(room);
      log("killing " + host.name() + ", which runs " + room);
      host.kill();
      nodes.remove(host);
      awaitEveryEditorAcked(editors, editors.get(0).ackedCount() + 15);
      finishAndVerify(room, editors);
    } finally {
      closeAll(editors);
    }
  }

  @Test
  void drainingTheRoomsNodeSaysByeAndLosesNothing() throws Exception {
    ensureThreeNodes();
    String room = "room:drain-" + UUID.randomUUID().toString().substring(0, 8);
    List<ResumingEditor> editors = editorsOnEveryNode(room);
    try {
      awaitEveryEditorAcked(editors, 15);
      NodeProcess host = hostOf(room);
      WsClient watcher = WsClient.connect(host.wsUrl());
      watcher.hello(TOKEN);
      watcher.join(room, "viewer");
      log("draining " + host.name() + ", which runs " + room);
      host.terminate();
      JsonNode bye = watcher.skipTo(f -> "bye".equals(f.path("type").asText()), RECOVERY);
      assertEquals("draining", bye.at("/payload/reason").asText());
      assertEquals(1012, watcher.awaitClose(Duration.ofSeconds(30)));
      watcher.close();
      assertTrue(host.awaitExit(Duration.ofSeconds(90)), "the drained node exits by itself");
      nodes.remove(host);
      awaitEveryEditorAcked(editors, editors.get(0).ackedCount() + 15);
      finishAndVerify(room, editors);
    } finally {
      closeAll(editors);
    }
  }

  @Test
  void aJoiningNodeTakesShardsWhileClientsKeepEditing() throws Exception {
    ensureThreeNodes();
    String prefix = "join-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    // rooms spread over the shards of the three nodes, each with one change
    List<String> rooms = new ArrayList<>();
    try (WsClient c = WsClient.connect(nodes.get(0).wsUrl())) {
      c.hello(TOKEN);
      for (int i = 0; i < 24; i++) {
        String room = "room:" + prefix + i;
        c.join(room, "editor");
        assertEquals("ok", c.set(room, "state.n", i).path("type").asText());
        c.send(c.frame("leave", room, WsClient.payload()));
        rooms.add(room);
      }
    }
    String edited = "room:" + prefix + "edited";
    List<ResumingEditor> editors = editorsOnEveryNode(edited);
    try {
      awaitEveryEditorAcked(editors, 10);
      log("a fourth node joins");
      NodeProcess fourth = joinOneMore();
      nodes.add(fourth);
      awaitMembers(4);
      String fourthAddress = "tandem@" + fourth.ports().clusterAddress();
      // sharding rebalances: some of the rooms move to the new node
      await()
          .atMost(RECOVERY)
          .pollInterval(Duration.ofSeconds(1))
          .until(() -> roomsOn(rooms, fourthAddress) > 0);
      log(roomsOn(rooms, fourthAddress) + " of " + rooms.size() + " rooms moved to the new node");
      awaitEveryEditorAcked(editors, editors.get(0).ackedCount() + 10);
      finishAndVerify(edited, editors);
      // every room kept its state, wherever its shard went
      for (int i = 0; i < rooms.size(); i++) {
        assertEquals(1, summary(rooms.get(i)).path("seq").asLong(), rooms.get(i));
        JsonNode snap = snapshotOf(rooms.get(i));
        assertEquals(i, snap.at("/payload/state/doc/state/n").asInt(), rooms.get(i));
      }
      assertTrue(shardsOn(fourth) > 0, "the new node's region hosts shards");
    } finally {
      closeAll(editors);
    }
  }

  /**
   * A node that stops answering (a long pause, a frozen VM) must not stop sessions starting on the
   * others before the split brain resolver removes it. Sharding's coordinator records each new
   * shard's home in Distributed Data and takes nothing else until that write is acknowledged; with
   * Pekko's defaults a cluster of three acknowledged only when all three had it, so every new
   * session waited for the frozen node to be downed (failure detection + stable-after), and in a
   * rolling restart each moved shard waited for the slowest node. The coordinator now writes to a
   * majority.
   */
  @Test
  void aFrozenNodeDoesNotStopNewSessionsStartingOnTheOthers() throws Exception {
    ensureThreeNodes();
    JsonNode members = JSON.readTree(nodes.get(0).management("/cluster/members").body());
    String oldestAddress = members.path("oldest").asText();
    // the client is on the oldest node, which runs the shard coordinators; it is never frozen
    NodeProcess oldest =
        nodes.stream()
            .filter(n -> oldestAddress.endsWith("@" + n.ports().clusterAddress()))
            .findFirst()
            .orElseThrow();
    String prefix = "room:frozen-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    try (WsClient c = WsClient.connect(oldest.wsUrl())) {
      c.hello(TOKEN);
      // A new shard goes to the region with the fewest. Rooms are started until another node
      // holds more than the fewest: that one is frozen, and the next new shard is not placed on it.
      NodeProcess victim = null;
      for (int started = 0; victim == null; started++) {
        assertTrue(started < 40, "no node other than the oldest ever held more shards");
        Map<NodeProcess, Integer> shards = new HashMap<>();
        nodes.forEach(n -> shards.put(n, shards(n)));
        int fewest = shards.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        victim =
            nodes.stream()
                .filter(n -> n != oldest && shards.get(n) > fewest)
                .findFirst()
                .orElse(null);
        if (victim == null) {
          String room = prefix + "warm-" + started;
          assertEquals("snapshot", c.join(room, "editor").path("type").asText(), room);
          c.send(c.frame("leave", room, WsClient.payload()));
        }
      }
      log("freezing " + victim.name() + " (SIGSTOP)");
      victim.signal("STOP");
      try {
        String room = prefix + "new";
        long t0 = System.nanoTime();
        ObjectNode join = c.frame("join", room, WsClient.payload().put("role", "editor"));
        c.send(join);
        JsonNode reply =
            c.await(
                f -> f.path("ref").asLong(-1) == join.get("ref").asLong(), Duration.ofSeconds(5));
        log("a new room answered in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertEquals("snapshot", reply.path("type").asText(), reply.toString());
        assertEquals("ok", c.set(room, "state.n", 1).path("type").asText());
      } finally {
        victim.kill();
        nodes.remove(victim);
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private List<ResumingEditor> editorsOnEveryNode(String room) {
    List<ResumingEditor> editors = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      List<String> urls = new ArrayList<>();
      for (int j = 0; j < nodes.size(); j++) {
        urls.add(nodes.get((i + j) % nodes.size()).wsUrl());
      }
      editors.add(ResumingEditor.start("e" + i, urls, room, TOKEN));
    }
    return editors;
  }

  private static void awaitEveryEditorAcked(List<ResumingEditor> editors, int count) {
    await()
        .atMost(RECOVERY)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (ResumingEditor e : editors) {
                assertTrue(
                    e.ackedCount() >= count,
                    e.name()
                        + " has "
                        + e.ackedCount()
                        + " acknowledged ops, waiting for "
                        + count);
              }
            });
  }

  private static void closeAll(List<ResumingEditor> editors) throws Exception {
    for (ResumingEditor e : editors) {
      e.close();
    }
  }

  /** The node whose cluster address the session's summary names. */
  private NodeProcess hostOf(String room) throws Exception {
    String address = summary(room).path("node").asText();
    return nodes.stream()
        .filter(n -> ("tandem@" + n.ports().clusterAddress()).equals(address))
        .findFirst()
        .orElseThrow(() -> new AssertionError(room + " runs on " + address + ", not a test node"));
  }

  private JsonNode summary(String room) throws Exception {
    HttpResponse<String> r = nodes.get(0).get("/v1/sessions/" + room);
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private int roomsOn(List<String> rooms, String address) throws Exception {
    int n = 0;
    for (String room : rooms) {
      if (address.equals(summary(room).path("node").asText())) {
        n++;
      }
    }
    return n;
  }

  /** {@link #shardsOn} for a stream: the node's room shards, or a failed test. */
  private int shards(NodeProcess node) {
    try {
      return shardsOn(node);
    } catch (Exception e) {
      throw new AssertionError("shards of " + node.name(), e);
    }
  }

  private int shardsOn(NodeProcess node) throws Exception {
    JsonNode shards = JSON.readTree(node.management("/cluster/shards/room").body());
    return shards.path("regions").size();
  }

  private JsonNode snapshotOf(String room) {
    try (WsClient viewer = WsClient.connect(nodes.get(nodes.size() - 1).wsUrl())) {
      viewer.hello(TOKEN);
      return viewer.join(room, "viewer");
    }
  }

  /**
   * Stops the editors, waits until each has seen the room's last change, and checks: no client saw
   * a seq twice or missed one; every acknowledged op is in every client's doc and in the room,
   * once; all clients saw the same change at each seq; the journal replays to the room's state.
   */
  private void finishAndVerify(String room, List<ResumingEditor> editors) throws Exception {
    log("verifying " + room);
    editors.forEach(ResumingEditor::stopEditing);
    await().atMost(RECOVERY).until(() -> editors.stream().allMatch(ResumingEditor::idle));
    JsonNode snap = snapshotOf(room);
    long finalSeq = snap.at("/payload/seq").asLong();
    await()
        .atMost(RECOVERY)
        .untilAsserted(
            () -> {
              for (ResumingEditor e : editors) {
                assertEquals(finalSeq, e.lastSeq(), e.name() + " caught up with the room");
              }
            });
    Map<String, String> roomDoc = ResumingEditor.flatten(snap.at("/payload/state/doc"));

    Map<String, Long> allAcked = new HashMap<>();
    for (ResumingEditor e : editors) {
      assertEquals(List.of(), e.anomalies(), e.name() + " saw every seq exactly once");
      allAcked.putAll(e.acked());
      assertEquals(roomDoc, e.doc(), e.name() + " holds the room's doc");
    }
    assertEquals(
        allAcked.size(),
        allAcked.values().stream().distinct().count(),
        "every acknowledged op has a seq of its own");
    for (Map.Entry<String, Long> a : allAcked.entrySet()) {
      String[] keyParts = a.getKey().split("-");
      String path = keyParts[0] + ".k" + keyParts[1];
      assertEquals(
          keyParts[1], roomDoc.get(path), "acknowledged " + a.getKey() + " is in the room");
    }
    for (int i = 1; i < editors.size(); i++) {
      Map<Long, String> mine = editors.get(i).changes();
      Map<Long, String> first = editors.get(0).changes();
      for (Map.Entry<Long, String> c : mine.entrySet()) {
        if (first.containsKey(c.getKey())) {
          assertEquals(first.get(c.getKey()), c.getValue(), "one change at seq " + c.getKey());
        }
      }
    }

    // the journal, read back through the export, applies each op once and ends at the same doc
    HttpResponse<String> export = nodes.get(0).get("/v1/sessions/" + room + "/events");
    assertEquals(200, export.statusCode());
    Map<String, String> replayed = new HashMap<>();
    Map<String, Integer> writesPerPath = new HashMap<>();
    long expectedSeq = 1;
    for (String line : export.body().split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode item = JSON.readTree(line);
      assertEquals(expectedSeq++, item.path("seq").asLong(), "the journal has every seq once");
      for (JsonNode op : item.at("/frame/payload/ops")) {
        replayed.put(op.path("path").asText(), op.path("value").toString());
        writesPerPath.merge(op.path("path").asText(), 1, Integer::sum);
      }
    }
    assertEquals(finalSeq, expectedSeq - 1);
    assertEquals(roomDoc, replayed, "the journal replays to the room's state");
    writesPerPath.forEach((path, n) -> assertEquals(1, n, path + " was applied " + n + " times"));
    assertFalse(allAcked.isEmpty());
  }
}
