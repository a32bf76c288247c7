package io.tandem.node.serialization;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.serialization.StableCborSerializer;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Both rolling upgrades of the stable-manifest rollout in one running cluster on the real
 * Cassandra, with nodes of three kinds side by side: a node of the release before stable manifests
 * (Pekko's own {@code JacksonCborSerializer} under the {@code jackson-cbor} entry, as that release
 * had), nodes of step 1 ({@code write-stable-manifests} off) and nodes of step 2 (on). Clients on
 * every node edit every room, so commands, replies and hub messages cross between the kinds in both
 * directions, and every node that leaves hands its rooms to a node of another kind, which recovers
 * them from the events and snapshots the other kind wrote:
 *
 * <ol>
 *   <li>old release + step 1 (the first rolling upgrade, half done);
 *   <li>step 1 + step 2 (the second rolling upgrade, half done);
 *   <li>step 2 alone: it recovers every room, each holding class-name rows;
 *   <li>step 1 alone (a rollback): it recovers every room from stable-name rows and snapshots.
 * </ol>
 *
 * Every acknowledged change is in every room at the end, once (the room's seq counts them).
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MixedManifestsClusterTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int ROOMS = 6;

  /** What every node here shares: a snapshot every 3 events, so snapshots of each kind exist. */
  private static final String COMMON = "tandem.room.snapshot-every = 3";

  /** The release before stable manifests: Pekko's jackson-cbor serializer, class names only. */
  private static final String OLD_RELEASE =
      COMMON
          + "\npekko.actor.serializers.jackson-cbor ="
          + " \"org.apache.pekko.serialization.jackson.JacksonCborSerializer\"";

  private static final String STEP_1 = COMMON + "\n" + StableCborSerializer.WRITE_STABLE + " = off";
  private static final String STEP_2 = COMMON + "\n" + StableCborSerializer.WRITE_STABLE + " = on";

  private final String prefix = "mixed-" + UUID.randomUUID().toString().substring(0, 8) + "-";

  /** Each room's document as the test wrote it: path to value, in order. */
  private final Map<String, Map<String, Integer>> written = new LinkedHashMap<>();

  private final Map<String, Integer> changes = new HashMap<>();
  private int keys;

  /** Every node started, so that a failed test leaves none running. */
  private final List<TestNode> started = new ArrayList<>();

  @AfterAll
  void stopNodes() throws Exception {
    for (TestNode node : started) {
      node.close();
    }
  }

  private TestNode start(CassandraTestConfig cassandra, String release, TestNode seed)
      throws Exception {
    String seeds =
        seed == null
            ? ""
            : "\npekko.cluster.seed-nodes = [\""
                + Cluster.get(seed.system()).selfMember().address()
                + "\"]";
    TestNode node = TestNode.start(cassandra, release + seeds);
    started.add(node);
    return node;
  }

  private static void log(String what) {
    System.out.println(java.time.LocalTime.now() + " " + what);
  }

  private static void awaitMembers(int n, TestNode... nodes) {
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              for (TestNode node : nodes) {
                if (node.upMembers() != n) {
                  return false;
                }
              }
              return true;
            });
  }

  /**
   * One step of a rolling upgrade: a node with {@code config} joins {@code current}, clients on
   * both edit every room (phase {@code phase}), then {@code current} leaves.
   */
  private TestNode replace(
      CassandraTestConfig cassandra, TestNode current, String config, String phase)
      throws Exception {
    TestNode next = start(cassandra, config, current);
    awaitMembers(2, current, next);
    editEveryRoomThrough(phase, current, next);
    current.close();
    awaitMembers(1, next);
    return next;
  }

  @Test
  void bothRollingUpgradesAndARollbackKeepEveryChange(CassandraTestConfig cassandra)
      throws Exception {
    for (int i = 0; i < ROOMS; i++) {
      written.put("room:" + prefix + i, new LinkedHashMap<>());
    }

    log("1: old release + step 1");
    TestNode old = start(cassandra, OLD_RELEASE, null);
    TestNode step1 = replace(cassandra, old, STEP_1, "p1");

    log("2: step 1 + step 2");
    TestNode step2 = replace(cassandra, step1, STEP_2, "p2");

    log("3: step 2 alone");
    // three changes each: one of them ends on a multiple of 3, so step 2 writes a snapshot
    editEveryRoomThrough("p3a", step2);
    editEveryRoomThrough("p3b", step2);
    editEveryRoomThrough("p3c", step2);
    // every room now lives on the node of step 2 and holds rows of both kinds
    for (String room : written.keySet()) {
      List<String> events = manifests(step2.system(), cassandra, "messages", room);
      assertTrue(
          events.contains(RoomEntity.DocEdited.class.getName()),
          room + " has class-name rows: " + events);
      assertTrue(events.contains("room.doc-edited"), room + " has stable-name rows: " + events);
      List<String> snapshots = manifests(step2.system(), cassandra, "snapshots", room);
      assertTrue(
          snapshots.contains("room.room-state"),
          room + " has a stable-name snapshot: " + snapshots);
    }

    log("4: step 1 alone (rollback)");
    TestNode rollback = start(cassandra, STEP_1, step2);
    awaitMembers(2, rollback, step2);
    step2.close();
    awaitMembers(1, rollback);
    // recovered from step 2's snapshot and the rows of both kinds after it
    verifyEveryRoom(rollback);
    // and it goes on writing class names beside the stable ones
    editEveryRoomThrough("p4", rollback);
    verifyEveryRoom(rollback);
    for (String room : written.keySet()) {
      List<String> events = manifests(rollback.system(), cassandra, "messages", room);
      assertEquals(
          RoomEntity.DocEdited.class.getName(),
          events.get(events.size() - 1),
          room + ": " + events);
    }
  }

  /**
   * One client per node joins every room as an editor and sets {@code <phase>.<node index>}: a room
   * that lives on the other node gets the join and the op from this one, and this node's hub gets
   * the room's answers and updates from the other.
   */
  private void editEveryRoomThrough(String phase, TestNode... nodes) {
    for (int n = 0; n < nodes.length; n++) {
      TestNode node = nodes[n];
      try (WsClient c = WsClient.connect(node.wsUrl())) {
        c.hello(node.token("editor-" + phase + "-" + n, "room:*:write"));
        for (String room : written.keySet()) {
          JsonNode snapshot =
              until(c, () -> c.frame("join", room, WsClient.payload().put("role", "editor")));
          assertEquals("snapshot", snapshot.path("type").asText(), room + ": " + snapshot);
          int value = ++keys;
          String path = phase + ".n" + n;
          // resent with its idempotency key until acknowledged: applied once whatever happens
          JsonNode ok = until(c, () -> c.setFrame(room, path, value, "k-" + value));
          assertEquals("ok", ok.path("type").asText(), room + ": " + ok);
          written.get(room).put(path, value);
          changes.merge(room, 1, Integer::sum);
          c.send(c.frame("leave", room, WsClient.payload()));
        }
      }
    }
  }

  /** The reply to {@code frame}. */
  private static JsonNode request(WsClient c, ObjectNode frame, Duration timeout) {
    c.send(frame);
    long ref = frame.get("ref").asLong();
    return c.await(f -> f.path("ref").asLong(-1) == ref, timeout);
  }

  /**
   * Sends a fresh {@code frame} until its reply is not an error (a room still moving between nodes
   * may answer {@code unavailable} or not in time), and returns that reply.
   */
  private static JsonNode until(WsClient c, Supplier<ObjectNode> frame) {
    AtomicReference<JsonNode> reply = new AtomicReference<>();
    await()
        .atMost(WAIT.multipliedBy(2))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              reply.set(request(c, frame.get(), Duration.ofSeconds(20)));
              assertNotEquals("error", reply.get().path("type").asText(), reply.get().toString());
            });
    return reply.get();
  }

  /** Every room, read by a viewer on {@code node}: its seq and each value the test wrote. */
  private void verifyEveryRoom(TestNode node) {
    try (WsClient viewer = WsClient.connect(node.wsUrl())) {
      viewer.hello(node.token("viewer", "room:*:read"));
      for (Map.Entry<String, Map<String, Integer>> room : written.entrySet()) {
        JsonNode snapshot =
            until(
                viewer,
                () ->
                    viewer.frame("join", room.getKey(), WsClient.payload().put("role", "viewer")));
        assertEquals("snapshot", snapshot.path("type").asText(), snapshot.toString());
        assertEquals(
            (long) changes.get(room.getKey()),
            snapshot.at("/payload/seq").asLong(),
            room.getKey() + ": one seq per acknowledged change");
        JsonNode doc = snapshot.at("/payload/state/doc");
        List<String> wrong = new ArrayList<>();
        room.getValue()
            .forEach(
                (path, value) -> {
                  String[] p = path.split("\\.");
                  if (doc.path(p[0]).path(p[1]).asInt(-1) != value) {
                    wrong.add(path + "=" + doc.path(p[0]).path(p[1]));
                  }
                });
        assertEquals(List.of(), wrong, room.getKey() + " holds every change: " + doc);
        viewer.send(viewer.frame("leave", room.getKey(), WsClient.payload()));
      }
    }
  }

  /** The {@code ser_manifest} of every row of a room in {@code table} (messages or snapshots). */
  private static List<String> manifests(
      ActorSystem<?> system, CassandraTestConfig cassandra, String table, String room) {
    String pid = RoomEntity.persistenceId(room.substring("room:".length())).id();
    String partition = table.equals("messages") ? " AND partition_nr = 0" : "";
    return CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"))
        .selectAll(
            "SELECT ser_manifest FROM "
                + cassandra.keyspace()
                + "."
                + table
                + " WHERE persistence_id = ?"
                + partition,
            pid)
        .toCompletableFuture()
        .join()
        .stream()
        .map(r -> r.getString("ser_manifest"))
        .toList();
  }
}
