package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.blob.Blobs;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.protocol.SessionId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code DELETE /v1/sessions/{session}} (protocol 9) and the retention of ended recordings, on a
 * real node and the real Cassandra: members are told {@code not_found} and are no longer joined,
 * the journal rows and snapshots of the history are gone (read with CQL), the index no longer lists
 * the session, and a later join starts an empty history with a new epoch, also after the node
 * restarts.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionDeletionTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String CONFIG =
      String.join(
          "\n",
          "tandem.dev-mode = true",
          // snapshots after a few changes, so that a deletion has snapshots to remove
          "tandem.room.snapshot-every = 5",
          "tandem.recording.snapshot-every = 5",
          "tandem.recording.retention.ended-after = 2s",
          "tandem.recording.retention.sweep-interval = 300ms");

  private final CassandraTestConfig cassandra;
  private TestNode node;

  SessionDeletionTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(cassandra, CONFIG);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static String unique(String kind) {
    return kind + ":del-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private HttpResponse<String> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> delete(String session, String token) throws Exception {
    return send("DELETE", "/v1/sessions/" + session, token);
  }

  private WsClient client(String sub, String scope) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token(sub, scope));
    return c;
  }

  /** The journal's rows (sequence numbers) and snapshots of the session, read with CQL. */
  private record Stored(List<Long> events, int snapshots) {}

  private Stored stored(String session) throws Exception {
    var config = node.system().settings().config();
    CassandraSession cql =
        CassandraSessionRegistry.get(node.system())
            .sessionFor(CassandraSessionSettings.create(Blobs.SESSION_CONFIG_PATH));
    String pid = SessionEntities.persistenceId(SessionId.parse(session));
    List<Long> events = new ArrayList<>();
    String journal = config.getString("pekko.persistence.cassandra.journal.keyspace");
    for (Row r :
        cql.selectAll(
                "SELECT sequence_nr FROM "
                    + journal
                    + ".messages WHERE persistence_id = ? AND partition_nr = 0",
                pid)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)) {
      events.add(r.getLong("sequence_nr"));
    }
    String snapshots = config.getString("pekko.persistence.cassandra.snapshot.keyspace");
    int snaps =
        cql.selectAll(
                "SELECT sequence_nr FROM " + snapshots + ".snapshots WHERE persistence_id = ?", pid)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS)
            .size();
    return new Stored(events, snaps);
  }

  private boolean listed(String session, String token) throws Exception {
    String name = session.substring(session.indexOf(':') + 1);
    String kind = session.substring(0, session.indexOf(':'));
    JsonNode list =
        WsClient.JSON.readTree(
            send("GET", "/v1/sessions?kind=" + kind + "&q=" + name, token).body());
    for (JsonNode row : list.path("sessions")) {
      if (row.path("session").asText().equals(session)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void deletingARoomTellsItsMembersRemovesItsHistoryAndAJoinStartsANewEpoch() throws Exception {
    String room = unique("room");
    String name = room.substring(5);
    String reader = node.token("reader", "room:*:read");
    try (WsClient alice = client("alice", "room:*:write");
        WsClient bob = client("bob", "room:*:read")) {
      String epoch = alice.join(room, "editor").at("/payload/epoch").asText();
      for (int i = 1; i <= 12; i++) {
        assertEquals("ok", alice.set(room, "items.i" + i, i).path("type").asText());
      }
      assertEquals(12, bob.join(room, "viewer").at("/payload/seq").asLong());
      await().atMost(WAIT).until(() -> listed(room, reader));
      Stored before = stored(room);
      assertTrue(before.events().size() >= 13, "created and 12 edits: " + before);
      await().atMost(WAIT).until(() -> stored(room).snapshots() > 0);

      assertEquals(401, delete(room, null).statusCode());
      HttpResponse<String> writer = delete(room, node.token("alice", "room:*:write"));
      assertEquals(403, writer.statusCode(), "write is not admin");
      assertEquals("forbidden", WsClient.JSON.readTree(writer.body()).path("code").asText());
      assertEquals(
          403, delete(room, node.token("ops", "room:other:admin")).statusCode(), "another room");
      assertEquals(400, delete("room:bad%20name", node.token("ops", "room:*:admin")).statusCode());
      HttpResponse<String> deleted = delete(room, node.token("ops", "room:" + name + ":admin"));
      assertEquals(204, deleted.statusCode(), deleted.body());

      // every member is told, and is no longer joined
      for (WsClient member : List.of(alice, bob)) {
        JsonNode told =
            member.await(
                f ->
                    f.path("type").asText().equals("error")
                        && room.equals(f.path("session").asText()),
                WAIT);
        assertEquals("not_found", told.at("/payload/code").asText(), told.toString());
        assertTrue(told.path("ref").isMissingNode(), "not the reply to a request: " + told);
      }
      JsonNode refused = alice.set(room, "after", 1);
      assertEquals("not_joined", refused.at("/payload/code").asText(), refused.toString());

      // the history is gone from Cassandra: no snapshot, no event but the deletion's marker
      Stored after = stored(room);
      assertEquals(0, after.snapshots(), "snapshots: " + after);
      assertEquals(1, after.events().size(), "only the marker is left: " + after);
      assertTrue(after.events().get(0) > before.events().get(before.events().size() - 1));
      // the index, the summary and the export no longer know it
      assertFalse(listed(room, reader), "the list no longer shows it");
      assertEquals(404, send("GET", "/v1/sessions/" + room, reader).statusCode());
      assertEquals(404, send("GET", "/v1/sessions/" + room + "/events", reader).statusCode());
      assertEquals(404, delete(room, node.token("ops", "room:*:admin")).statusCode(), "gone");

      // a later join starts an empty history with a new epoch, and a resume from the old one
      // gets a fresh snapshot, never the old changes
      JsonNode fresh = alice.join(room, "editor", 12L, epoch);
      assertEquals("snapshot", fresh.path("type").asText(), fresh.toString());
      assertFalse(fresh.at("/payload/recovered").asBoolean());
      assertEquals(0, fresh.at("/payload/seq").asLong());
      assertNotEquals(epoch, fresh.at("/payload/epoch").asText());
      assertEquals(0, fresh.at("/payload/state/doc").size(), fresh.toString());
      assertEquals(1, alice.set(room, "again", 1).at("/payload/seq").asLong());
      await().atMost(WAIT).until(() -> listed(room, reader));
    }
  }

  @Test
  void recordingsAndMapsAreDeletedAsRoomsAre() throws Exception {
    String rec = unique("recording");
    String map = unique("map");
    String admin = node.token("ops", "recording:*:admin map:*:admin");
    String epoch;
    try (WsClient p = client("p", "recording:*:publish map:*:publish");
        WsClient v = client("v", "recording:*:read map:*:read")) {
      epoch = p.join(rec, "publisher").at("/payload/epoch").asText();
      for (int i = 0; i < 8; i++) {
        ObjectNode payload = WsClient.payload().put("checkpoint", i % 4 == 0);
        payload.putArray("events").addObject().put("i", i);
        ObjectNode f = p.frame("publish", rec, payload);
        p.send(f);
        p.assertReply(f, "ok");
      }
      assertEquals(8, v.join(rec, "viewer").at("/payload/seq").asLong());
      p.join(map, "publisher");
      ObjectNode put = WsClient.payload();
      put.putObject("entries").put("k", 1);
      ObjectNode f = p.frame("put", map, put);
      p.send(f);
      p.assertReply(f, "ok");
      v.join(map, "viewer");

      assertEquals(204, delete(rec, admin).statusCode());
      assertEquals(204, delete(map, admin).statusCode());
      for (String session : List.of(rec, map)) {
        for (WsClient member : List.of(p, v)) {
          JsonNode told = member.awaitPush("error", session, WAIT);
          assertEquals("not_found", told.at("/payload/code").asText());
        }
        assertEquals(1, stored(session).events().size(), session + ": " + stored(session));
        assertEquals(
            404,
            send("GET", "/v1/sessions/" + session, node.token("r", "recording:*:read map:*:read"))
                .statusCode());
      }
      // a viewer cannot bring the deleted recording back; its publisher can, as a new one
      assertEquals("not_found", v.join(rec, "viewer").at("/payload/code").asText());
      JsonNode again = p.join(rec, "publisher");
      assertEquals(0, again.at("/payload/seq").asLong());
      assertNotEquals(epoch, again.at("/payload/epoch").asText());
    }
  }

  @Test
  void anEndedRecordingIsDeletedAfterTheRetention() throws Exception {
    String rec = unique("recording");
    String kept = unique("recording");
    String reader = node.token("r", "recording:*:read");
    try (WsClient p = client("p", "recording:*:publish")) {
      for (String session : List.of(rec, kept)) {
        p.join(session, "publisher");
        ObjectNode payload = WsClient.payload().put("checkpoint", true);
        payload.putArray("events").addObject().put("i", 1);
        ObjectNode f = p.frame("publish", session, payload);
        p.send(f);
        p.assertReply(f, "ok");
      }
      ObjectNode end = p.frame("end", rec, WsClient.payload());
      p.send(end);
      p.assertReply(end, "ok");
      long endedAt = System.currentTimeMillis();
      assertEquals(200, send("GET", "/v1/sessions/" + rec, reader).statusCode());
      // 2 s after its end (and a sweep of 300 ms) it is gone; the one still live stays
      await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> send("GET", "/v1/sessions/" + rec, reader).statusCode() == 404);
      assertTrue(
          System.currentTimeMillis() - endedAt >= 1_900, "not before the retention had passed");
      // the removal from Cassandra follows the marker that made it 404
      await().atMost(WAIT).until(() -> stored(rec).events().size() == 1);
      await().atMost(WAIT).until(() -> !listed(rec, reader));
      assertEquals(200, send("GET", "/v1/sessions/" + kept, reader).statusCode());
      assertTrue(listed(kept, reader));
    }
  }

  @Test
  void aDeletedSessionStaysDeletedAfterTheNodeRestarts() throws Exception {
    String room = unique("room");
    String epoch;
    try (WsClient alice = client("alice", "room:*:write")) {
      epoch = alice.join(room, "editor").at("/payload/epoch").asText();
      for (int i = 1; i <= 7; i++) {
        alice.set(room, "items.i" + i, i);
      }
      assertEquals(204, delete(room, node.token("ops", "room:*:admin")).statusCode());
    }
    node.close();
    node = TestNode.start(cassandra, CONFIG);
    String reader = node.token("reader", "room:*:read");
    assertEquals(404, send("GET", "/v1/sessions/" + room, reader).statusCode());
    try (WsClient alice = client("alice", "room:*:write")) {
      JsonNode fresh = alice.join(room, "editor");
      assertEquals(0, fresh.at("/payload/seq").asLong(), fresh.toString());
      assertNotEquals(epoch, fresh.at("/payload/epoch").asText());
      assertEquals(0, fresh.at("/payload/state/doc").size());
      assertEquals(1, alice.set(room, "new", 1).at("/payload/seq").asLong());
    }
    // and again after a restart of the recreated room: the new history, not the old one
    node.close();
    node = TestNode.start(cassandra, CONFIG);
    try (WsClient bob = client("bob", "room:*:read")) {
      JsonNode snap = bob.join(room, "viewer");
      assertEquals(1, snap.at("/payload/seq").asLong());
      assertEquals(1, snap.at("/payload/state/doc").size(), snap.toString());
      assertEquals(1, snap.at("/payload/state/doc/new").asInt());
    }
  }
}
