package io.tandem.node.map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A map on the real Cassandra: durable puts exact across a restart (through Pekko snapshots every
 * few events), ephemeral values checkpointed (and what a crash between checkpoints loses), limits
 * answered with {@code too_big} that change nothing, snapshots in parts, resume with the current
 * ephemeral values, the tick's per-key coalescing and control. Messages go through the CBOR
 * serializer (serialize-messages on).
 *
 * <p>Why this file is over 500 lines: the cases share one Cassandra, one test kit and the helpers
 * that put, join and read a map's parts; each case is short.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MapEntityTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  private ActorTestKit kit;
  private CassandraReadJournal journal;
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);

  @BeforeAll
  void start(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
    kit =
        ActorTestKit.create(
            "MapEntityTest",
            ConfigFactory.parseString(
                    "pekko.remote.artery.canonical.port = 0\n"
                        + "pekko.actor.serialize-messages = on\n"
                        + "pekko.actor.serialization-bindings {"
                        + " \"io.tandem.persistence.CborSerializable\" = jackson-cbor }")
                .withFallback(cassandra.pekkoConfig())
                .withFallback(ConfigFactory.load()));
    journal =
        PersistenceQuery.get(kit.system())
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    // the first queries of a fresh keyspace can pass the plugin's timeouts on a busy machine
    // (the entity then stops): warm the journal and snapshot store up until a map answers
    await()
        .atMost(Duration.ofMinutes(2))
        .ignoreExceptions()
        .until(
            () -> {
              TestProbe<Subscriber.Message> hub = kit.createTestProbe();
              ActorRef<SessionCommand> map = incarnation(newName(), DEFAULT);
              map.tell(
                  new SessionCommand.Join(
                      "w", "c-w", new MemberInfo("w", "bot", "viewer", null), 1L, null, hub.ref()));
              hub.expectMessageClass(Subscriber.Admitted.class, Duration.ofSeconds(10));
              return true;
            });
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  /** Settings: small limits where a test crosses them, a checkpoint every {@code checkpoint}. */
  private static MapSettings settings(
      int maxEntries, int maxValueBytes, long maxStateBytes, int partBytes, Duration checkpoint) {
    return new MapSettings(
        maxEntries,
        maxValueBytes,
        maxStateBytes,
        partBytes,
        Duration.ofMillis(50),
        checkpoint,
        4 << 20,
        Duration.ofSeconds(1),
        100,
        3,
        100,
        16,
        Duration.ofHours(1),
        "tandem.cassandra.parts-snapshot-store",
        1 << 20,
        32L << 20,
        64L << 20);
  }

  private static final MapSettings DEFAULT =
      settings(1_000_000, 65_536, 256L << 20, 128 * 1024, Duration.ofHours(1));

  private CassandraTestConfig cassandra;

  private ActorRef<SessionCommand> incarnation(String name, MapSettings s) {
    return kit.spawn(MapEntity.create(name, null, s, clock));
  }

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Map<String, JsonNode> entries(Object... keyValues) {
    Map<String, JsonNode> m = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.put(
          (String) keyValues[i], keyValues[i + 1] == null ? null : json((String) keyValues[i + 1]));
    }
    return m;
  }

  /** Joins {@code member} with {@code role}; returns the answer (members announcements skipped). */
  private Subscriber.Message join(
      ActorRef<SessionCommand> map,
      TestProbe<Subscriber.Message> hub,
      String member,
      String role,
      Long since,
      String epoch) {
    map.tell(
        new SessionCommand.Join(
            member,
            "c-" + member,
            new MemberInfo(member, "producer", role, null),
            1L,
            StreamPosition.of(since, epoch),
            hub.ref()));
    return hub.fishForMessage(
            WAIT,
            m ->
                m instanceof Subscriber.MembersChanged || m instanceof Subscriber.MapTicked
                    ? FishingOutcomes.continueAndIgnore()
                    : FishingOutcomes.complete())
        .get(0);
  }

  private List<SessionReply> put(
      ActorRef<SessionCommand> map, String member, MapEntity.PutRequest... puts) {
    TestProbe<MapEntity.PutsReply> probe = kit.createTestProbe();
    map.tell(new MapEntity.Put(member, List.of(puts), probe.ref()));
    return probe.receiveMessage(WAIT).results();
  }

  private static MapEntity.PutRequest durable(Map<String, JsonNode> e) {
    return new MapEntity.PutRequest(e, true);
  }

  private static MapEntity.PutRequest ephemeral(Map<String, JsonNode> e) {
    return new MapEntity.PutRequest(e, false);
  }

  /** The full state of a join's answer: the view's entries and every part that follows. */
  private Map<String, JsonNode> fullState(
      Subscriber.Message answer, TestProbe<Subscriber.Message> hub) {
    Subscriber.Admitted admitted = assertInstanceOf(Subscriber.Admitted.class, answer);
    MapView view = assertInstanceOf(MapView.class, admitted.view().state());
    Map<String, JsonNode> all = new HashMap<>(view.entries());
    for (int i = 1; i < view.parts(); i++) {
      Subscriber.MapPart part = hub.expectMessageClass(Subscriber.MapPart.class, WAIT);
      assertEquals(i, part.part());
      assertEquals(admitted.view().seq(), part.seq());
      all.putAll(part.entries());
    }
    return all;
  }

  private List<Object> events(String name) throws Exception {
    return journal
        .currentEventsByPersistenceId(MapEntity.persistenceId(name).id(), 0L, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .runWith(Sink.seq(), kit.system())
        .toCompletableFuture()
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The next message of {@code type}, skipping others. */
  private static Subscriber.Message next(TestProbe<Subscriber.Message> hub, Class<?> type) {
    return hub.fishForMessage(
            WAIT,
            m ->
                type.isInstance(m)
                    ? FishingOutcomes.complete()
                    : FishingOutcomes.continueAndIgnore())
        .get(0);
  }

  private static String newName() {
    return "m-" + UUID.randomUUID();
  }

  @Test
  void durablePutsAreExactAcrossARestartThroughSnapshotsAndEvents() throws Exception {
    String name = newName();
    ActorRef<SessionCommand> first = incarnation(name, DEFAULT);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(first, hub, "pub", "publisher", null, null);
    // seven puts (a snapshot every three events): one batch of three, then four alone
    List<SessionReply> batch =
        put(
            first,
            "pub",
            durable(entries("n/1", "{\"x\":1}", "n/2", "{\"x\":2}")),
            durable(entries("n/3", "[1,2,3]")),
            durable(entries("n/2", null)));
    assertEquals(
        List.of(
            new SessionReply.Accepted(1L),
            new SessionReply.Accepted(2L),
            new SessionReply.Accepted(3L)),
        batch);
    for (int i = 4; i <= 7; i++) {
      assertEquals(
          List.of(new SessionReply.Accepted((long) i)),
          put(first, "pub", durable(entries("e:" + i, "\"v" + i + "\""))));
    }
    kit.stop(first, WAIT);

    ActorRef<SessionCommand> second = incarnation(name, DEFAULT);
    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    Subscriber.Message answer = join(second, hub2, "viewer", "viewer", null, null);
    Map<String, JsonNode> state = fullState(answer, hub2);
    assertEquals(7L, ((Subscriber.Admitted) answer).view().seq());
    assertEquals(
        Map.of(
            "n/1", json("{\"x\":1}"),
            "n/3", json("[1,2,3]"),
            "e:4", json("\"v4\""),
            "e:5", json("\"v5\""),
            "e:6", json("\"v6\""),
            "e:7", json("\"v7\"")),
        state);
    // the next put continues the seq without a gap
    TestProbe<Subscriber.Message> hub3 = kit.createTestProbe();
    join(second, hub3, "pub2", "publisher", null, null);
    assertEquals(
        List.of(new SessionReply.Accepted(8L)), put(second, "pub2", durable(entries("n/1", null))));
  }

  /**
   * A map of about 19 MB: more than one Cassandra row (a mutation) may hold, 16 MiB, which is where
   * a snapshot in one row failed. Its snapshot goes in parts; with the journal deleted up to the
   * snapshot, a new incarnation can only have its state from the snapshot, and has it exactly.
   */
  @Test
  void aMapLargerThanOneCassandraRowIsSnapshottedInPartsAndRecoversExactly() throws Exception {
    String name = newName();
    String pid = MapEntity.persistenceId(name).id();
    // 20 durable puts of 16 values of 60,000 characters (one put fits a 1 MiB frame), one
    // ephemeral put (not an event): 21 events with the creation, so one snapshot, after the last
    // put
    MapSettings big =
        new MapSettings(
            1000,
            65_536,
            256L << 20,
            1 << 20,
            Duration.ofMillis(50),
            Duration.ofHours(1),
            4 << 20,
            Duration.ofSeconds(1),
            100,
            21,
            100,
            16,
            Duration.ofHours(1),
            "tandem.cassandra.parts-snapshot-store",
            1 << 20,
            32L << 20,
            64L << 20);
    ActorRef<SessionCommand> first = incarnation(name, big);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(first, hub, "pub", "publisher", null, null);
    java.util.Random random = new java.util.Random(14);
    Map<String, JsonNode> expected = new HashMap<>();
    long valueBytes = 0;
    for (int p = 0; p < 20; p++) {
      Map<String, JsonNode> batch = new LinkedHashMap<>();
      for (int i = 0; i < 16; i++) {
        char[] text = new char[60_000];
        for (int c = 0; c < text.length; c++) {
          text[c] = (char) ('a' + random.nextInt(26));
        }
        JsonNode v = JSON.getNodeFactory().textNode(new String(text));
        batch.put("v/" + p + "/" + i, v);
        valueBytes += text.length;
      }
      if (p == 19) {
        // the last put deletes a key of the first and changes one of the ephemeral put
        batch.put("v/0/0", null);
        batch.put("e/1", json("{\"x\":1.25,\"y\":-3}"));
      }
      expected.putAll(batch);
      if (p == 18) {
        Map<String, JsonNode> moving = entries("e/1", "[1,2]", "e/2", "{\"x\":0.5}");
        assertEquals(
            List.of(new SessionReply.Accepted(null)), put(first, "pub", ephemeral(moving)));
        expected.putAll(moving);
      }
      assertEquals(
          List.of(new SessionReply.Accepted((long) p + 1)), put(first, "pub", durable(batch)));
    }
    expected.remove("v/0/0");
    assertTrue(valueBytes > 16L << 20, "the state is more than one row may hold");

    try (com.datastax.oss.driver.api.core.CqlSession cql =
        io.tandem.persistence.CqlSessions.open(
            cassandra.contactPoints().get(0),
            io.tandem.persistence.CassandraSettings.EMBEDDED_DATACENTER,
            WAIT)) {
      String heads = cassandra.keyspace() + ".snapshot_heads";
      String parts = cassandra.keyspace() + ".snapshot_parts";
      // the snapshot is complete once its head has a part count
      await()
          .atMost(Duration.ofMinutes(2))
          .until(
              () ->
                  cql.execute("SELECT parts FROM " + heads + " WHERE persistence_id = ?", pid).one()
                          != null
                      && !cql.execute(
                              "SELECT parts FROM " + heads + " WHERE persistence_id = ?", pid)
                          .one()
                          .isNull("parts"));
      com.datastax.oss.driver.api.core.cql.Row head =
          cql.execute(
                  "SELECT sequence_nr, parts, head FROM " + heads + " WHERE persistence_id = ?",
                  pid)
              .one();
      assertEquals(21L, head.getLong("sequence_nr"));
      int count = head.getInt("parts");
      long stored = 0;
      long largest = 0;
      for (com.datastax.oss.driver.api.core.cql.Row r :
          cql.execute(
              "SELECT data FROM " + parts + " WHERE persistence_id = ? AND sequence_nr = ?",
              pid,
              21L)) {
        long n = r.getByteBuffer("data").remaining();
        stored += n;
        largest = Math.max(largest, n);
      }
      assertTrue(stored > 16L << 20, "the parts hold the state: " + stored + " bytes");
      assertTrue(largest < 2L << 20, "each part is a row of at most about 1 MiB: " + largest);
      assertTrue(count >= 16, count + " parts");
      // the head: the newest durable changes that fit one part, and a few numbers
      assertTrue(
          head.getByteBuffer("head").remaining() < (1 << 20) + 64 * 1024,
          "the head is one part at most");
    }
    kit.stop(first, WAIT);

    // without the journal's events up to the snapshot, only the snapshot can give the state
    scala.jdk.javaapi.FutureConverters.asJava(
            new org.apache.pekko.persistence.cassandra.cleanup.Cleanup(
                    kit.system(),
                    new org.apache.pekko.persistence.cassandra.cleanup.CleanupSettings(
                        kit.system()
                            .settings()
                            .config()
                            .getConfig("pekko.persistence.cassandra.cleanup")
                            .withValue(
                                "dry-run",
                                com.typesafe.config.ConfigValueFactory.fromAnyRef(false))))
                .deleteEventsTo(pid, 21L))
        .toCompletableFuture()
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(events(name).stream().noneMatch(e -> e instanceof MapEntity.EntriesPut));

    ActorRef<SessionCommand> second = incarnation(name, big);
    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    Subscriber.Message answer = join(second, hub2, "viewer", "viewer", null, null);
    assertEquals(20L, ((Subscriber.Admitted) answer).view().seq());
    Map<String, JsonNode> state = fullState(answer, hub2);
    assertEquals(expected.size(), state.size());
    assertEquals(expected, state);
    // the next put continues the seq
    TestProbe<Subscriber.Message> hub3 = kit.createTestProbe();
    join(second, hub3, "pub2", "publisher", null, null);
    assertEquals(
        List.of(new SessionReply.Accepted(21L)),
        put(second, "pub2", durable(entries("e/2", null))));
  }

  @Test
  void ephemeralValuesAreCheckpointedAndTheStopMessageSavesTheRest() throws Exception {
    String name = newName();
    MapSettings fast = settings(1000, 1000, 1 << 20, 128 * 1024, Duration.ofMillis(200));
    ActorRef<SessionCommand> first = incarnation(name, fast);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(first, hub, "pub", "publisher", null, null);
    assertEquals(
        List.of(new SessionReply.Accepted(null)),
        put(first, "pub", ephemeral(entries("p/1", "[0.5,1.5]", "p/2", "[2,3]"))));
    await()
        .atMost(WAIT)
        .until(
            () ->
                events(name).stream().anyMatch(e -> e instanceof MapEntity.EphemeralCheckpointed));
    MapEntity.EphemeralCheckpointed saved =
        (MapEntity.EphemeralCheckpointed)
            events(name).stream()
                .filter(e -> e instanceof MapEntity.EphemeralCheckpointed)
                .findFirst()
                .orElseThrow();
    assertEquals(entries("p/1", "[0.5,1.5]", "p/2", "[2,3]"), saved.values());
    kit.stop(first, WAIT);

    // a crash loses nothing that was checkpointed
    ActorRef<SessionCommand> second = incarnation(name, DEFAULT);
    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    assertEquals(
        entries("p/1", "[0.5,1.5]", "p/2", "[2,3]"),
        fullState(join(second, hub2, "pub", "publisher", null, null), hub2));
    // with checkpoints an hour apart, a value put now is only in memory...
    put(second, "pub", ephemeral(entries("p/1", "[9,9]")));
    kit.stop(second, WAIT);
    ActorRef<SessionCommand> third = incarnation(name, DEFAULT);
    TestProbe<Subscriber.Message> hub3 = kit.createTestProbe();
    Map<String, JsonNode> afterCrash =
        fullState(join(third, hub3, "pub", "publisher", null, null), hub3);
    assertEquals(json("[0.5,1.5]"), afterCrash.get("p/1"), "a crash loses what was not saved");
    // ...unless the map is stopped the way sharding stops it: then it saves first
    put(third, "pub", ephemeral(entries("p/1", "[7,7]", "p/2", null)));
    TestProbe<Object> watcher = kit.createTestProbe();
    third.tell(SessionCommand.Stop.INSTANCE);
    watcher.expectTerminated(third, WAIT);
    ActorRef<SessionCommand> fourth = incarnation(name, DEFAULT);
    TestProbe<Subscriber.Message> hub4 = kit.createTestProbe();
    assertEquals(
        entries("p/1", "[7,7]"), fullState(join(fourth, hub4, "v", "viewer", null, null), hub4));
  }

  @Test
  void aPutOverALimitIsTooBigAndChangesNothing() {
    // 3 entries, values of at most 40 bytes
    MapSettings small = settings(3, 40, 1 << 20, 128 * 1024, Duration.ofHours(1));
    ActorRef<SessionCommand> map = incarnation(newName(), small);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(map, hub, "pub", "publisher", null, null);
    assertEquals(
        List.of(new SessionReply.Accepted(1L)),
        put(map, "pub", durable(entries("a", "1", "b", "2"))));
    List<SessionReply> answers =
        put(
            map,
            "pub",
            // a fourth entry: refused as a whole (c is not added either)
            durable(entries("c", "3", "d", "4")),
            // a value over 40 bytes
            ephemeral(entries("c", "\"" + "x".repeat(50) + "\"")),
            durable(entries("c", "5")),
            // replacing and deleting keeps the count within the limit
            ephemeral(entries("a", null, "e", "6")));
    assertTooBig(answers.get(0));
    assertTooBig(answers.get(1));
    assertEquals(new SessionReply.Accepted(2L), answers.get(2));
    assertEquals(new SessionReply.Accepted(null), answers.get(3));

    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    Subscriber.Message answer = join(map, hub2, "v", "viewer", null, null);
    assertEquals(2L, ((Subscriber.Admitted) answer).view().seq());
    assertEquals(entries("b", "2", "c", "5", "e", "6"), fullState(answer, hub2));
  }

  @Test
  void theBytesOfStateLimitRefusesTheWholePut() {
    MapSettings small = settings(100, 1000, 300, 128 * 1024, Duration.ofHours(1));
    ActorRef<SessionCommand> map = incarnation(newName(), small);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(map, hub, "pub", "publisher", null, null);
    String big = "\"" + "x".repeat(100) + "\"";
    assertEquals(
        List.of(new SessionReply.Accepted(1L)), put(map, "pub", durable(entries("a", big))));
    List<SessionReply> r = put(map, "pub", durable(entries("b", big, "c", big)));
    assertTooBig(r.get(0));
    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    assertEquals(entries("a", big), fullState(join(map, hub2, "v", "viewer", null, null), hub2));
  }

  private static boolean isTooBig(SessionReply r) {
    return r instanceof SessionReply.Rejected no && no.code() == ErrorCode.TOO_BIG;
  }

  private static void assertTooBig(SessionReply r) {
    assertTrue(isTooBig(r), "expected too_big, got " + r);
  }

  @Test
  void aLargeStateComesInPartsWhoseUnionIsTheState() {
    MapSettings parts = settings(100_000, 1000, 1 << 30, 2000, Duration.ofHours(1));
    ActorRef<SessionCommand> map = incarnation(newName(), parts);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(map, hub, "pub", "publisher", null, null);
    Map<String, JsonNode> all = new LinkedHashMap<>();
    for (int i = 0; i < 500; i++) {
      all.put("node/" + i, json("{\"x\":" + i + ",\"label\":\"n" + i + "\"}"));
    }
    List<MapEntity.PutRequest> puts = new ArrayList<>();
    List<String> keys = new ArrayList<>(all.keySet());
    for (int i = 0; i < keys.size(); i += 25) {
      Map<String, JsonNode> slice = new LinkedHashMap<>();
      keys.subList(i, i + 25).forEach(k -> slice.put(k, all.get(k)));
      puts.add(durable(slice));
    }
    put(map, "pub", puts.toArray(MapEntity.PutRequest[]::new));
    TestProbe<Subscriber.Message> hub2 = kit.createTestProbe();
    Subscriber.Message answer = join(map, hub2, "v", "viewer", null, null);
    MapView view = (MapView) ((Subscriber.Admitted) answer).view().state();
    assertTrue(view.parts() > 5, "parts: " + view.parts());
    assertTrue(view.entries().isEmpty(), "with parts, the snapshot itself holds none");
    assertEquals(all, fullState(answer, hub2));
  }

  @Test
  void aResumeGetsTheMissedChangesThenEveryEphemeralValue() {
    ActorRef<SessionCommand> map = incarnation(newName(), DEFAULT);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(map, hub, "pub", "publisher", null, null);
    put(map, "pub", durable(entries("a", "1")));
    TestProbe<Subscriber.Message> viewerHub = kit.createTestProbe();
    Subscriber.Admitted first =
        (Subscriber.Admitted) join(map, viewerHub, "v", "viewer", null, null);
    put(
        map,
        "pub",
        durable(entries("b", "2")),
        ephemeral(entries("p", "[1,1]", "q", "[2,2]")),
        ephemeral(entries("p", "[3,3]")));
    TestProbe<Subscriber.Message> back = kit.createTestProbe();
    Subscriber.Resumed resumed =
        assertInstanceOf(
            Subscriber.Resumed.class, join(map, back, "v", "viewer", 1L, first.view().epoch()));
    assertEquals(1, resumed.changes().size());
    assertEquals(entries("b", "2"), ((MapChange) resumed.changes().get(0)).entries());
    Subscriber.MapEphemeral values = back.expectMessageClass(Subscriber.MapEphemeral.class, WAIT);
    Map<String, JsonNode> got = new HashMap<>();
    values.chunks().forEach(c -> got.putAll(c.entries()));
    assertEquals(Map.of("p", json("[3,3]"), "q", json("[2,2]")), got);
  }

  @Test
  void theTickSendsTheLatestValueOfEachKeyOnceAndADurablePutSupersedesAPendingOne() {
    ActorRef<SessionCommand> map = incarnation(newName(), DEFAULT);
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    join(map, hub, "pub", "publisher", null, null);
    put(
        map,
        "pub",
        ephemeral(entries("p", "1", "q", "1")),
        ephemeral(entries("p", "2")),
        durable(entries("q", "\"exact\"")));
    Subscriber.Updated durable = (Subscriber.Updated) next(hub, Subscriber.Updated.class);
    assertEquals(entries("q", "\"exact\""), ((MapChange) durable.update()).entries());
    Subscriber.MapTicked tick = (Subscriber.MapTicked) next(hub, Subscriber.MapTicked.class);
    assertEquals(Map.of("p", json("2")), tick.chunks().get(0).entries());
  }

  @Test
  void controlGoesToThePublishersOrIsUnavailableWithoutOne() {
    ActorRef<SessionCommand> map = incarnation(newName(), DEFAULT);
    TestProbe<Subscriber.Message> viewers = kit.createTestProbe();
    join(map, viewers, "v", "viewer", null, null);
    ObjectNode control = (ObjectNode) json("{\"method\":\"spring\",\"k\":3}");
    TestProbe<SessionReply> reply = kit.createTestProbe();
    map.tell(new MapEntity.Control("v", control, reply.ref()));
    SessionReply none = reply.receiveMessage(WAIT);
    assertEquals(ErrorCode.UNAVAILABLE, ((SessionReply.Rejected) none).code());

    TestProbe<Subscriber.Message> producers = kit.createTestProbe();
    join(map, producers, "pub", "publisher", null, null);
    map.tell(new MapEntity.Control("v", control, reply.ref()));
    assertEquals(new SessionReply.Accepted(null), reply.receiveMessage(WAIT));
    Subscriber.MapControl relayed =
        (Subscriber.MapControl) next(producers, Subscriber.MapControl.class);
    assertEquals("v", relayed.by());
    assertEquals(List.of("pub"), relayed.to());
    assertEquals(control, relayed.control());
    assertNull(
        viewers.receiveSeveralMessages(0, Duration.ZERO).stream()
            .filter(m -> m instanceof Subscriber.MapControl)
            .findAny()
            .orElse(null));
  }
}
