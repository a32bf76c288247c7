package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.session.SessionIndexBackfill;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.CqlSessions;
import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.persistence.index.SessionIndexes;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session index (issue 18, item 5): "never existed" is answered without starting an entity (the
 * detail's 404, replay's {@code not_found}), {@code GET /v1/sessions} pages through the index, and
 * replays count toward the connection's session cap.
 */
class SessionIndexTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final String prefix = "ix" + UUID.randomUUID().toString().substring(0, 6);

  SessionIndexTest() {
    super(
        "tandem.http.rate-limit.requests-per-second = 10000",
        "tandem.http.rate-limit.burst = 10000",
        "tandem.ws.max-sessions-per-connection = 2");
  }

  private CassandraTestConfig cassandra;

  @BeforeAll
  void keyspace(CassandraTestConfig config) {
    this.cassandra = config;
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Map<String, Set<String>> running() throws Exception {
    return new ShardRegions(
            node.system(), List.of(RoomEntity.ENTITY_KEY, RecordingEntity.ENTITY_KEY))
        .localEntityIds(Duration.ofSeconds(5))
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void sessionsThatNeverExistedStartNoEntity() throws Exception {
    String reader = node.token("r", "recording:*:read room:*:read");
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String name = prefix + "-never-" + i;
      names.add(name);
      String kind = i % 2 == 0 ? "recording" : "room";
      HttpResponse<String> r = get("/v1/sessions/" + kind + ":" + name, reader);
      assertEquals(404, r.statusCode(), r.body());
      assertEquals("not_found", WsClient.JSON.readTree(r.body()).path("code").asText());
    }
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(reader);
      ObjectNode replay =
          c.frame("replay", "recording:" + prefix + "-never-r", WsClient.payload().put("from", 1));
      c.send(replay);
      c.assertError(replay, "not_found");
    }
    names.add(prefix + "-never-r");
    Map<String, Set<String>> running = running();
    for (String type : List.of("room", "recording")) {
      for (String id : running.getOrDefault(type, Set.of())) {
        assertFalse(names.contains(id), type + " entity started for " + id);
      }
    }
  }

  @Test
  void theListIsPagedByCursorAndFilteredByGrantAndName() throws Exception {
    String p = prefix + "p"; // rooms of this test only
    List<String> rooms = new ArrayList<>();
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("maker", "room:*:write"));
      // one connection joins at most two sessions here: join, leave, next
      for (String n : List.of("a1", "a2", "b1", "b2", "b3", "c1", "a3")) {
        String room = "room:" + p + "-" + n;
        rooms.add(room);
        assertEquals("snapshot", c.join(room, "editor").path("type").asText());
        ObjectNode leave = c.frame("leave", room, WsClient.payload());
        c.send(leave);
        c.assertReply(leave, "ok");
      }
      c.join("room:other" + p, "editor");
    }
    rooms.sort(null);
    String reader = node.token("lister", "room:" + p + "-*:read");
    // the index is written just after each creation
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> all(reader, "kind=room&limit=1000").size() == rooms.size());

    List<String> paged = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      JsonNode page =
          WsClient.JSON.readTree(
              get(
                      "/v1/sessions?kind=room&limit=3"
                          + (cursor == null
                              ? ""
                              : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)),
                      reader)
                  .body());
      assertTrue(page.get("sessions").size() <= 3);
      for (JsonNode row : page.get("sessions")) {
        paged.add(row.get("session").asText());
        assertEquals("room", row.get("kind").asText());
        assertTrue(row.get("created").asLong() > 0);
      }
      cursor = page.hasNonNull("next") ? page.get("next").asText() : null;
      pages++;
    } while (cursor != null && pages < 10);
    assertEquals(rooms, paged, "every readable room once, by name, the other one hidden");
    assertTrue(pages >= 3, "7 rooms in pages of 3");

    List<String> a = all(reader, "q=" + p.toUpperCase() + "-A");
    assertEquals(
        List.of("room:" + p + "-a1", "room:" + p + "-a2", "room:" + p + "-a3"),
        a,
        "q is a case-insensitive substring of the name");
    assertEquals(List.of(), all(reader, "kind=recording"));

    assertEquals(400, get("/v1/sessions?limit=0", reader).statusCode());
    assertEquals(400, get("/v1/sessions?limit=1001", reader).statusCode());
    assertEquals(400, get("/v1/sessions?limit=x", reader).statusCode());
    assertEquals(400, get("/v1/sessions?cursor=bm90LWEtY3Vyc29y", reader).statusCode());
    assertEquals(400, get("/v1/sessions?kind=bogus", reader).statusCode());
  }

  @Test
  void sessionsMissingFromTheIndexAreFoundInTheJournalAndBackfilled() throws Exception {
    String one = prefix + "-old1";
    String two = prefix + "-old2";
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("old", "room:*:write"));
      c.join("room:" + one, "editor");
      c.join("room:" + two, "editor");
    }
    CassandraSessionIndex index = SessionIndexes.get(node.system());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                index.find("room", one).toCompletableFuture().get().isPresent()
                    && index.find("room", two).toCompletableFuture().get().isPresent());
    // as if both were created before the index existed
    try (CqlSession cql =
        CqlSessions.open(
            cassandra.contactPoint(),
            CassandraSettings.EMBEDDED_DATACENTER,
            Duration.ofSeconds(30))) {
      for (String name : List.of(one, two)) {
        cql.execute(
            "DELETE FROM " + cassandra.keyspace() + ".sessions WHERE kind = 'room' AND name = ?",
            name);
      }
      cql.execute(
          "DELETE FROM "
              + cassandra.keyspace()
              + ".sessions WHERE kind = '_index' AND name = 'backfilled-v1'");
    }
    String reader = node.token("old-reader", "room:" + prefix + "-old*:read");
    assertEquals(List.of(), all(reader, "kind=room"));
    // found through the journal, and recorded again
    assertEquals(200, get("/v1/sessions/room:" + one, reader).statusCode());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> all(reader, "kind=room").equals(List.of("room:" + one)));
    // the backfill adds the other
    assertTrue(
        SessionIndexBackfill.start(node.system()).toCompletableFuture().get(60, TimeUnit.SECONDS)
            >= 1);
    assertEquals(List.of("room:" + one, "room:" + two), all(reader, "kind=room"));
    assertTrue(
        index.find("room", two).toCompletableFuture().get().orElseThrow().created() > 0,
        "with the time of its first event");
    assertEquals(
        0,
        SessionIndexBackfill.start(node.system()).toCompletableFuture().get(60, TimeUnit.SECONDS),
        "once per keyspace");
  }

  /** Every session of a listing, following `next`. */
  private List<String> all(String token, String query) throws Exception {
    List<String> out = new ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<String> r =
          get(
              "/v1/sessions?"
                  + query
                  + (cursor == null
                      ? ""
                      : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)),
              token);
      assertEquals(200, r.statusCode(), r.body());
      JsonNode page = WsClient.JSON.readTree(r.body());
      page.get("sessions").forEach(s -> out.add(s.get("session").asText()));
      cursor = page.hasNonNull("next") ? page.get("next").asText() : null;
    } while (cursor != null);
    return out;
  }

  @Test
  void aRunningSessionShowsLiveFiguresAndAReplayCountsTowardTheCap() throws Exception {
    String room = "room:" + prefix + "-live";
    String second = "room:" + prefix + "-second";
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("ed", "room:*:write"));
      c.join(room, "editor");
      c.set(room, "x", 1);
      String reader = node.token("lv", "room:" + prefix + "-live:read");
      JsonNode row =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> WsClient.JSON.readTree(get("/v1/sessions?kind=room", reader).body()),
                  p -> p.get("sessions").size() == 1)
              .get("sessions")
              .get(0);
      assertTrue(row.get("live").asBoolean());
      assertEquals(1, row.get("seq").asLong());
      assertEquals(1, row.get("members").asInt());

      // cap 2: one joined room and one replay leave no room for a second join
      ObjectNode replay =
          c.frame("replay", room, WsClient.payload().put("from", 1).put("speed", 0.001));
      c.send(replay);
      c.assertReply(replay, "ok");
      JsonNode refused = c.join(second, "editor");
      assertEquals("conflict", refused.at("/payload/code").asText(), refused.toString());
    }
  }
}
