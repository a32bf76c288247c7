package io.tandem.node.participant;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.room.MemberPose;
import io.tandem.node.xr.XrSettings;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.CqlSessions;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
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
 * A participant outlives its connection for the grace period and its node: its journal (the real
 * Cassandra) holds what a reconnect needs, written at attach, level and hold changes and detach,
 * never per pose. A new incarnation with the same id (the node lost: the old one killed without a
 * detach) finds it; one recovered after the grace, by a manual clock, finds nothing. Messages go
 * through the CBOR serializer (serialize-messages on); events and snapshots through Cassandra.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParticipantEntityTest {
  private static final Duration GRACE = Duration.ofSeconds(15);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int SNAPSHOT_EVERY = 4;

  private ActorTestKit kit;
  private CassandraReadJournal journal;
  private CqlSession cql;
  private String keyspace;
  private final ManualClock clock = new ManualClock(1_700_000_000_000L);

  @BeforeAll
  void start(CassandraTestConfig cassandra) {
    keyspace = cassandra.keyspace();
    cql = CqlSessions.open(cassandra.contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, WAIT);
    kit =
        ActorTestKit.create(
            "ParticipantEntityTest",
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
  }

  @AfterAll
  void stop() {
    cql.close();
    kit.shutdownTestKit();
  }

  private static MemberPose pose(double x) {
    return new MemberPose(
        12.0, new MemberPose.Part(List.of(x, 1.6, -2.0), List.of(0.0, 0.0, 0.0, 1.0)), null, null);
  }

  private static final MemberPose POSE = pose(1.0);

  private static String newId() {
    return "ann|quest-" + UUID.randomUUID();
  }

  /** An incarnation of participant {@code id}, outside sharding, on the manual clock. */
  private ActorRef<ParticipantEntity.Command> incarnation(String id, Duration grace) {
    return kit.spawn(ParticipantEntity.create(id, null, grace, SNAPSHOT_EVERY, clock));
  }

  private ParticipantEntity.Remembered attach(
      ActorRef<ParticipantEntity.Command> p, String connection) {
    TestProbe<ParticipantEntity.Remembered> probe = kit.createTestProbe();
    p.tell(new ParticipantEntity.Attach(connection, probe.ref()));
    return probe.receiveMessage(WAIT);
  }

  /** The events of participant {@code id} in the journal, in order. */
  private List<Object> events(String id) throws Exception {
    return journal
        .currentEventsByPersistenceId(ParticipantEntity.persistenceId(id).id(), 0L, Long.MAX_VALUE)
        .map(EventEnvelope::event)
        .runWith(Sink.seq(), kit.system())
        .toCompletableFuture()
        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** The last of {@code events}, or null (read the journal once, then look). */
  private static Object last(List<Object> events) {
    return events.isEmpty() ? null : events.get(events.size() - 1);
  }

  private List<Class<?>> eventTypes(String id) throws Exception {
    return events(id).stream().<Class<?>>map(Object::getClass).toList();
  }

  /** Kills the incarnation as a node loss would: no detach, no stop message. */
  private void kill(ActorRef<ParticipantEntity.Command> p) {
    kit.stop(p, WAIT);
  }

  /**
   * A participant {@link #used}, then detached by {@code c1}, then lost with its node (its actor
   * stopped without a word); returns its id.
   */
  private String usedDetachedAndLost() throws Exception {
    String id = newId();
    ActorRef<ParticipantEntity.Command> first = used(id);
    detach(first, id, "c1");
    kill(first);
    return id;
  }

  /**
   * A participant used by connection {@code c1}: low detail at 40 kB/s, holding the cube (and the
   * ball taken and given up again). Returns once all of it was handled.
   */
  private ActorRef<ParticipantEntity.Command> used(String id) {
    ActorRef<ParticipantEntity.Command> p = incarnation(id, GRACE);
    assertTrue(attach(p, "c1").isEmpty(), "a new participant remembers nothing");
    p.tell(new ParticipantEntity.Report("c1", POSE, "low", 40_000L));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "cube", true));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "ball", true));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "ball", false));
    // the same connection attaching again changes nothing and answers after all of the above
    ParticipantEntity.Remembered now = attach(p, "c1");
    assertEquals(Map.of("room:r", List.of("cube")), now.holds());
    return p;
  }

  /** Detaches {@code connection} and waits until the detach is in the journal. */
  private void detach(ActorRef<ParticipantEntity.Command> p, String id, String connection) {
    p.tell(new ParticipantEntity.Detach(connection));
    await().atMost(WAIT).until(() -> last(events(id)) instanceof ParticipantEntity.Detached);
  }

  @Test
  void holdsAndDetailSurviveTheLossOfTheNodeWithoutADetach() throws Exception {
    String id = newId();
    ActorRef<ParticipantEntity.Command> first = used(id);
    kill(first);

    ActorRef<ParticipantEntity.Command> second = incarnation(id, GRACE);
    ParticipantEntity.Remembered back = attach(second, "c2");
    assertEquals(Map.of("room:r", List.of("cube")), back.holds());
    assertEquals("low", back.lod());
    assertEquals(40_000L, back.bytesPerSecond());
    // the pose of a connection that never detached was only ever in memory
    assertNull(back.pose());
  }

  @Test
  void aConnectionThatOutlivesTheParticipantsNodeGoesOnWithTheNextIncarnation() throws Exception {
    String id = newId();
    ActorRef<ParticipantEntity.Command> first = used(id);
    kill(first);

    // c1 lives on another node: its next report and its detach reach the new incarnation
    ActorRef<ParticipantEntity.Command> second = incarnation(id, GRACE);
    second.tell(new ParticipantEntity.Report("c1", pose(5.0), null, 90_000L));
    second.tell(new ParticipantEntity.Hold("c1", "room:r", "cube", false));
    detach(second, id, "c1");
    kill(second);

    ParticipantEntity.Remembered back = attach(incarnation(id, GRACE), "c2");
    assertEquals(pose(5.0), back.pose());
    assertEquals("low", back.lod());
    assertEquals(90_000L, back.bytesPerSecond());
    assertEquals(Map.of(), back.holds());
  }

  @Test
  void aDetachedParticipantRecoveredWithinItsGraceHasItsPoseHoldsAndDetail() throws Exception {
    String id = usedDetachedAndLost();

    clock.advance(GRACE.minusSeconds(1));
    ParticipantEntity.Remembered back = attach(incarnation(id, GRACE), "c2");
    assertEquals(POSE, back.pose());
    assertEquals("low", back.lod());
    assertEquals(40_000L, back.bytesPerSecond());
    assertEquals(Map.of("room:r", List.of("cube")), back.holds());
  }

  @Test
  void aDetachedParticipantRecoveredAfterItsGraceIsForgotten() throws Exception {
    String id = usedDetachedAndLost();

    // nobody ran the timer; the next incarnation forgets by the clock and stops
    clock.advance(GRACE.plusMillis(1));
    ActorRef<ParticipantEntity.Command> second = incarnation(id, GRACE);
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectTerminated(second, WAIT);
    List<Object> events = events(id);
    assertTrue(
        events.get(events.size() - 1) instanceof ParticipantEntity.Forgotten, events.toString());

    assertTrue(attach(incarnation(id, GRACE), "c2").isEmpty(), "a reconnect finds nothing");
  }

  @Test
  void aReconnectAfterTheGraceFindsNothingEvenBeforeTheTimerRan() throws Exception {
    String id = usedDetachedAndLost();

    clock.advance(GRACE.plusSeconds(1));
    ActorRef<ParticipantEntity.Command> second = incarnation(id, GRACE);
    assertTrue(attach(second, "c2").isEmpty());
    List<Class<?>> types = eventTypes(id);
    assertEquals(
        List.of(ParticipantEntity.Forgotten.class, ParticipantEntity.Attached.class),
        types.subList(types.size() - 2, types.size()));
  }

  @Test
  void poseReportsAreNotWrittenToTheJournal() throws Exception {
    String id = newId();
    ActorRef<ParticipantEntity.Command> p = incarnation(id, GRACE);
    attach(p, "c1");
    p.tell(new ParticipantEntity.Report("c1", null, "high", 100_000L));
    for (int i = 1; i <= 60; i++) {
      // once a second from the connection, with its bandwidth estimate now and then
      p.tell(new ParticipantEntity.Report("c1", pose(i), null, i % 10 == 0 ? 1000L * i : null));
    }
    // the same level again is no change
    p.tell(new ParticipantEntity.Report("c1", null, "high", null));
    ParticipantEntity.Remembered now = attach(p, "c1");
    assertEquals(pose(60), now.pose());
    assertEquals(60_000L, now.bytesPerSecond());
    assertEquals(
        List.of(ParticipantEntity.Attached.class, ParticipantEntity.LodChanged.class),
        eventTypes(id));

    detach(p, id, "c1");
    assertEquals(
        List.of(
            ParticipantEntity.Attached.class,
            ParticipantEntity.LodChanged.class,
            ParticipantEntity.Detached.class),
        eventTypes(id));
    ParticipantEntity.Detached detached = (ParticipantEntity.Detached) events(id).get(2);
    assertEquals(pose(60), detached.pose());
    assertEquals(60_000L, detached.bytesPerSecond());
    assertEquals(clock.millis(), detached.ts());
  }

  @Test
  void aSnapshotAloneRecoversHoldsAndDetail() throws Exception {
    String id = newId();
    String pid = ParticipantEntity.persistenceId(id).id();
    ActorRef<ParticipantEntity.Command> p = incarnation(id, GRACE);
    attach(p, "c1");
    for (int i = 0; i < 6; i++) {
      p.tell(new ParticipantEntity.Hold("c1", i < 5 ? "room:r" : "room:s", "o" + i, true));
    }
    // the eighth event: a snapshot every four
    p.tell(new ParticipantEntity.Report("c1", POSE, "low", 7L));
    await()
        .atMost(WAIT)
        .until(
            () ->
                cql
                    .execute(
                        SimpleStatement.newInstance(
                            "SELECT sequence_nr FROM "
                                + keyspace
                                + ".snapshots WHERE persistence_id = ?",
                            pid))
                    .all()
                    .stream()
                    .anyMatch(r -> r.getLong("sequence_nr") == 8));
    kill(p);
    // without its events, only the snapshot can bring the state back
    cql.execute(
        SimpleStatement.newInstance(
            "DELETE FROM " + keyspace + ".messages WHERE persistence_id = ? AND partition_nr = 0",
            pid));
    assertTrue(events(id).isEmpty());

    ParticipantEntity.Remembered back = attach(incarnation(id, GRACE), "c2");
    assertEquals(
        Map.of("room:r", List.of("o0", "o1", "o2", "o3", "o4"), "room:s", List.of("o5")),
        back.holds());
    assertEquals("low", back.lod());
    assertEquals(7L, back.bytesPerSecond());
  }

  @Test
  void theGraceRunsFromTheLastDetachAndOnlyTheCurrentConnectionDetaches() throws Exception {
    Duration grace = Duration.ofMillis(300);
    String id = newId();
    ActorRef<ParticipantEntity.Command> p = incarnation(id, grace);
    attach(p, "c1");
    p.tell(new ParticipantEntity.Report("c1", POSE, "low", 40_000L));
    detach(p, id, "c1");
    // the timer fires, but by the clock the grace has not run out: still there
    kit.createTestProbe().expectNoMessage(grace.multipliedBy(3));
    assertEquals(POSE, attach(p, "c2").pose());
    // a newer connection took over: a late detach of an older one does not start the grace
    assertEquals("low", attach(p, "c3").lod());
    p.tell(new ParticipantEntity.Detach("c2"));
    clock.advance(grace.multipliedBy(2));
    kit.createTestProbe().expectNoMessage(grace.multipliedBy(3));
    assertEquals(POSE, attach(p, "c3").pose());

    detach(p, id, "c3");
    clock.advance(grace);
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectTerminated(p, WAIT);
    List<Object> events = events(id);
    assertTrue(
        events.get(events.size() - 1) instanceof ParticipantEntity.Forgotten, events.toString());
  }

  @Test
  void aShardedParticipantPassivatesAfterItsGraceAndStartsOverEmpty() throws Exception {
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(new Join(cluster.selfMember().address()));
    XrSettings settings =
        XrSettings.DEFAULTS.withParticipants(Duration.ofMillis(300), SNAPSHOT_EVERY);
    ParticipantEntity.init(kit.system(), settings, clock);
    String device = "quest-" + UUID.randomUUID();
    String id = ParticipantEntity.entityId("bob", device);
    EntityRef<ParticipantEntity.Command> p = ParticipantEntity.ref(kit.system(), "bob", device);

    ParticipantEntity.Remembered first =
        p.<ParticipantEntity.Remembered>ask(r -> new ParticipantEntity.Attach("c1", r), WAIT)
            .toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(first.isEmpty());
    p.tell(new ParticipantEntity.Report("c1", POSE, "low", 1L));
    await().atMost(WAIT).until(() -> hosted(id));
    p.tell(new ParticipantEntity.Detach("c1"));
    await().atMost(WAIT).until(() -> eventTypes(id).contains(ParticipantEntity.Detached.class));
    clock.advance(Duration.ofMillis(300));

    // forgotten, passivated by its shard (with the stop message), and not hosted any more
    await()
        .atMost(WAIT)
        .until(() -> eventTypes(id).contains(ParticipantEntity.Forgotten.class) && !hosted(id));
    ParticipantEntity.Remembered again =
        p.<ParticipantEntity.Remembered>ask(r -> new ParticipantEntity.Attach("c2", r), WAIT)
            .toCompletableFuture()
            .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertTrue(again.isEmpty());
  }

  /** Whether this node's participant shard region hosts entity {@code id} now. */
  private boolean hosted(String id) throws Exception {
    TestProbe<ShardRegion.CurrentShardRegionState> probe = kit.createTestProbe();
    ClusterSharding.get(kit.system())
        .shardState()
        .tell(new GetShardRegionState(ParticipantEntity.ENTITY_KEY, probe.ref()));
    return probe.receiveMessage(WAIT).getShards().stream()
        .anyMatch(s -> s.getEntityIds().contains(id));
  }
}
