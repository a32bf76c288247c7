package io.tandem.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.NodeProcess;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The short version of {@code bench/faults.mjs kill} (issue 16): two node JVMs, rooms whose shards
 * and shard coordinator live on the node that is killed with SIGKILL, its clients reconnecting to
 * the survivor and joining again with {@code since}, at once after every {@code unavailable}.
 *
 * <p>While the killed node's shards wait for the coordinator (detection, {@code stable-after}, the
 * removal margin), the survivor's shard region holds the joins sent for them; each times out in the
 * hub after the ask timeout and the client, told {@code unavailable}, sends another. When the rooms
 * start again, the held joins are answered in order. The hub used to take the answer to an earlier,
 * timed-out join as the answer to the one the client was waiting for: the client got a snapshot
 * carrying the ref of a join it had already been answered, and the ref it waited for was never
 * answered (the fault harness waited 75 s, sent the join again and got {@code conflict}).
 *
 * <p>Checked: every {@code join} frame gets its own answer (its ref) within the ask timeout and a
 * margin, and every client is back within failure detection + {@code stable-after} + the removal
 * margin + an ask timeout + a margin of the kill; the survivor's own clients, whose hub joins them
 * again, have their changes acknowledged again.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JoinsDuringFailoverTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = NodeProcess.token("ops", "room:*:write");

  /** The nodes' split brain resolver {@code stable-after}; the removal margin is the same. */
  private static final Duration STABLE_AFTER = Duration.ofSeconds(5);

  /**
   * The nodes' ask timeout, short so that each held join times out several times while the rooms
   * wait for the coordinator: the case that lost answers.
   */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Until the survivor finds the killed node unreachable: Pekko's cluster failure detector
   * defaults, acceptable-heartbeat-pause (3 s) and two heartbeat intervals (1 s each).
   */
  private static final Duration DETECTION = Duration.ofSeconds(5);

  /**
   * For what the sums above leave out on a shared machine: gossip and leader actions, the
   * coordinator's start, the rooms' recovery, scheduling of busy JVMs.
   */
  private static final Duration MARGIN = Duration.ofSeconds(12);

  /** Every join frame is answered (snapshot or error, with its ref) within this. */
  private static final Duration JOIN_ANSWER_BOUND = ASK_TIMEOUT.plus(Duration.ofSeconds(6));

  /** Every client of the killed node is joined again within this of the kill. */
  private static final Duration BACK_BOUND =
      DETECTION.plus(STABLE_AFTER).plus(STABLE_AFTER).plus(ASK_TIMEOUT).plus(MARGIN);

  private static final int ROOMS = 3;
  private static final int CLIENTS_PER_ROOM = 3;

  private final CassandraTestConfig cassandra;
  private NodeProcess survivor;
  private NodeProcess victim;

  JoinsDuringFailoverTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " " + what);
  }

  @BeforeAll
  void startTwoNodes() throws Exception {
    int[] p = FreePorts.pick(6);
    // the victim forms the cluster (it is the seed node), so it is the oldest member and holds the
    // shard coordinators; the survivor has the lower cluster address, so that with two members the
    // split brain resolver keeps it (an even split keeps the side with the lowest address)
    int low = Math.min(p[1], p[4]);
    int high = Math.max(p[1], p[4]);
    NodeProcess.Ports survivorPorts = new NodeProcess.Ports(p[0], low, p[2]);
    NodeProcess.Ports victimPorts = new NodeProcess.Ports(p[3], high, p[5]);
    victim = launch("failover-victim", victimPorts, victimPorts.clusterAddress());
    survivor = launch("failover-survivor", survivorPorts, victimPorts.clusterAddress());
    victim.awaitReady(Duration.ofSeconds(180));
    survivor.awaitReady(Duration.ofSeconds(180));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              for (NodeProcess n : List.of(victim, survivor)) {
                JsonNode members = JSON.readTree(n.management("/cluster/members").body());
                int up = 0;
                for (JsonNode m : members.path("members")) {
                  if ("Up".equals(m.path("status").asText())) {
                    up++;
                  }
                }
                assertEquals(2, up, n.name() + " sees " + up + " Up members");
              }
            });
  }

  private NodeProcess launch(String name, NodeProcess.Ports ports, String seed) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_SEED_NODES", seed);
    env.put("TANDEM_SBR_STABLE_AFTER", STABLE_AFTER.toSeconds() + "s");
    return NodeProcess.launch(
        name,
        cassandra,
        ports,
        env,
        List.of("-Dtandem.http.ask-timeout=" + ASK_TIMEOUT.toMillis() + "ms"));
  }

  @AfterAll
  void stopNodes() throws Exception {
    if (victim != null) {
      victim.close();
    }
    if (survivor != null) {
      survivor.close();
    }
  }

  /** A client of the killed node: the room it watches and where it was in it. */
  private record Resumer(String room, long seq, String epoch) {}

  /** How one resumer came back: when, and the longest any of its join frames waited. */
  private record Back(String room, Duration after, Duration longestJoinWait, int joins) {}

  @Test
  void everyJoinIsAnsweredAndEveryClientIsBackWhileTheRoomsNodeIsReplaced() throws Exception {
    List<String> rooms = roomsOnTheVictim();
    List<WsClient> open = new ArrayList<>();
    List<Resumer> resumers = new ArrayList<>();
    Map<String, WsClient> editors = new HashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(ROOMS * CLIENTS_PER_ROOM);
    try {
      for (String room : rooms) {
        for (int i = 0; i < CLIENTS_PER_ROOM; i++) {
          WsClient c = WsClient.connect(victim.wsUrl());
          open.add(c);
          c.hello(TOKEN);
          JsonNode snap = joinRetrying(c, room, "viewer");
          resumers.add(
              new Resumer(
                  room, snap.at("/payload/seq").asLong(), snap.at("/payload/epoch").asText()));
        }
        // the survivor's own client: its hub joins it again when the room's node is gone
        WsClient editor = WsClient.connect(survivor.wsUrl());
        open.add(editor);
        editor.hello(TOKEN);
        joinRetrying(editor, room, "editor");
        editors.put(room, editor);
      }

      log("killing " + victim.name() + ", which runs " + rooms + " and the shard coordinators");
      long killedAt = System.nanoTime();
      victim.kill();

      List<CompletableFuture<Back>> backs = new ArrayList<>();
      for (Resumer r : resumers) {
        backs.add(CompletableFuture.supplyAsync(() -> resume(r, killedAt), pool));
      }
      Duration slowest = Duration.ZERO;
      Duration longestJoinWait = Duration.ZERO;
      int joins = 0;
      for (CompletableFuture<Back> f : backs) {
        Back b = f.join();
        slowest = max(slowest, b.after());
        longestJoinWait = max(longestJoinWait, b.longestJoinWait());
        joins += b.joins();
      }
      log(
          resumers.size()
              + " clients back, the slowest "
              + slowest.toMillis()
              + " ms after the kill (bound "
              + BACK_BOUND.toMillis()
              + " ms); "
              + joins
              + " join frames, the longest wait for an answer "
              + longestJoinWait.toMillis()
              + " ms (bound "
              + JOIN_ANSWER_BOUND.toMillis()
              + " ms)");

      // the survivor's clients stayed joined: their changes are acknowledged again
      for (Map.Entry<String, WsClient> e : editors.entrySet()) {
        awaitAcknowledged(e.getValue(), e.getKey(), killedAt);
      }
    } finally {
      pool.shutdownNow();
      for (WsClient c : open) {
        c.close();
      }
    }
  }

  /**
   * Reconnects to the survivor and joins with {@code since} until the room answers with its
   * snapshot, sending the join again at once after {@code unavailable}; fails when a join frame
   * waits longer than {@link #JOIN_ANSWER_BOUND} for its answer or the client is not back within
   * {@link #BACK_BOUND}.
   */
  private Back resume(Resumer r, long killedAt) {
    try (WsClient c = WsClient.connect(survivor.wsUrl())) {
      c.hello(TOKEN);
      Duration longest = Duration.ZERO;
      for (int joins = 1; ; joins++) {
        ObjectNode p = WsClient.payload().put("role", "viewer").put("since", r.seq());
        p.put("epoch", r.epoch());
        ObjectNode join = c.frame("join", r.room(), p);
        long ref = join.get("ref").asLong();
        long sentAt = System.nanoTime();
        c.send(join);
        JsonNode answer;
        try {
          answer = c.await(f -> f.path("ref").asLong(-1) == ref, JOIN_ANSWER_BOUND);
        } catch (AssertionError e) {
          throw new AssertionError(
              "join #"
                  + joins
                  + " (ref "
                  + ref
                  + ") to "
                  + r.room()
                  + " got no answer within "
                  + JOIN_ANSWER_BOUND
                  + ", "
                  + since(killedAt).toMillis()
                  + " ms after the kill",
              e);
        }
        longest = max(longest, Duration.ofNanos(System.nanoTime() - sentAt));
        Duration after = since(killedAt);
        String type = answer.path("type").asText();
        if ("snapshot".equals(type)) {
          assertTrue(
              after.compareTo(BACK_BOUND) <= 0,
              r.room() + " back " + after.toMillis() + " ms after the kill, bound " + BACK_BOUND);
          return new Back(r.room(), after, longest, joins);
        }
        assertEquals("error", type, answer.toString());
        assertEquals("unavailable", answer.at("/payload/code").asText(), answer.toString());
        if (after.compareTo(BACK_BOUND) > 0) {
          fail(r.room() + " still unavailable " + after.toMillis() + " ms after the kill");
        }
      }
    }
  }

  /** Sends a keyed change until it is acknowledged, within {@link #BACK_BOUND} of the kill. */
  private static void awaitAcknowledged(WsClient editor, String room, long killedAt) {
    String key = "after-kill-" + UUID.randomUUID();
    while (true) {
      JsonNode reply = editor.set(room, "state.after", 1, key);
      if ("ok".equals(reply.path("type").asText())) {
        return;
      }
      assertEquals("unavailable", reply.at("/payload/code").asText(), reply.toString());
      if (since(killedAt).compareTo(BACK_BOUND) > 0) {
        fail(room + ": no change acknowledged on the survivor within " + BACK_BOUND);
      }
    }
  }

  /**
   * {@link #ROOMS} rooms whose shards the victim hosts: rooms are created (one change each) through
   * the victim until enough of them landed on it.
   */
  private List<String> roomsOnTheVictim() throws Exception {
    String address = "tandem@" + victim.ports().clusterAddress();
    String prefix = "room:failover-" + UUID.randomUUID().toString().substring(0, 6) + "-";
    List<String> found = new ArrayList<>();
    try (WsClient c = WsClient.connect(victim.wsUrl())) {
      c.hello(TOKEN);
      for (int i = 0; found.size() < ROOMS; i++) {
        assertTrue(i < 60, "only " + found.size() + " of 60 rooms landed on the victim");
        String room = prefix + i;
        joinRetrying(c, room, "editor");
        setRetrying(c, room, i);
        if (address.equals(nodeOf(room))) {
          found.add(room);
        }
      }
    }
    return found;
  }

  /** The node that runs {@code room}, from its summary (asked again after a 503). */
  private String nodeOf(String room) throws Exception {
    long start = System.nanoTime();
    while (true) {
      HttpResponse<String> summary = survivor.get("/v1/sessions/" + room);
      if (summary.statusCode() == 200) {
        return JSON.readTree(summary.body()).path("node").asText();
      }
      assertEquals(503, summary.statusCode(), summary.body());
      assertTrue(since(start).toSeconds() < 60, room + " unavailable for 60 s: " + summary.body());
    }
  }

  /**
   * Joins, again after {@code unavailable}: with the short ask timeout a busy machine may not start
   * a room in time (before the kill, this is not what the test is about).
   */
  private static JsonNode joinRetrying(WsClient c, String room, String role) {
    long start = System.nanoTime();
    while (true) {
      JsonNode reply = c.join(room, role);
      if ("snapshot".equals(reply.path("type").asText())) {
        return reply;
      }
      assertEquals("unavailable", reply.at("/payload/code").asText(), reply.toString());
      assertTrue(since(start).toSeconds() < 60, room + " unavailable for 60 s: " + reply);
    }
  }

  /** One keyed change, sent again after {@code unavailable} until it is acknowledged. */
  private static void setRetrying(WsClient c, String room, int n) {
    String key = "setup-" + UUID.randomUUID();
    long start = System.nanoTime();
    while (true) {
      JsonNode reply = c.set(room, "state.n", n, key);
      if ("ok".equals(reply.path("type").asText())) {
        return;
      }
      assertEquals("unavailable", reply.at("/payload/code").asText(), reply.toString());
      assertTrue(since(start).toSeconds() < 60, room + " unavailable for 60 s: " + reply);
    }
  }

  private static Duration since(long nanos) {
    return Duration.ofNanos(System.nanoTime() - nanos);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
