package io.tandem.node.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.NodeSettings;
import io.tandem.node.map.MapEntity;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.testing.LocalActors;
import io.tandem.persistence.blob.Blobs;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A starting node warms its session entities before its regions register: each kind's entity
 * recovers under a name no session has and answers, nothing is written, one that stops unanswered
 * is tried again, and a warm-up that gets no answer ends at its bound.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SessionWarmUpTest {
  private final ActorTestKit testKit =
      ActorTestKit.create(
          "SessionWarmUpTest",
          // the persistence testkit's journal and snapshots in place of the node's Cassandra
          EventSourcedBehaviorTestKit.config()
              .withFallback(LocalActors.config("tandem.map.snapshot-store = \"\"")));

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyKindRecoversAndAnswersWithoutWritingAnything() throws Exception {
    NodeSettings settings = NodeSettings.fromConfig(testKit.system().settings().config());
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    List<SessionWarmUp.Kind> kinds = new ArrayList<>();
    for (SessionWarmUp.Kind kind :
        SessionWarmUp.kinds(
            settings.rooms(),
            settings.recordings(),
            settings.maps(),
            Clock.systemUTC(),
            Blobs.get(testKit.system()))) {
      kinds.add(
          new SessionWarmUp.Kind(
              kind.name(),
              name -> {
                names.add(kind.name() + "|" + name);
                return kind.entity().apply(name);
              },
              kind.journaled()));
    }

    assertTrue(SessionWarmUp.run(testKit.system(), kinds, Duration.ofSeconds(10)));

    assertEquals(3, names.size(), names.toString());
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    for (String id : names) {
      String[] kindAndName = id.split("\\|", 2);
      assertTrue(kindAndName[1].startsWith("tandem.warm-up."), id);
      String persistenceId =
          switch (kindAndName[0]) {
            case "room" -> RoomEntity.persistenceId(kindAndName[1]).id();
            case "recording" -> RecordingEntity.persistenceId(kindAndName[1]).id();
            default -> MapEntity.persistenceId(kindAndName[1]).id();
          };
      assertEquals(List.of(), journal.persistedInStorage(persistenceId), persistenceId);
    }
  }

  @Test
  void anEntityThatStopsUnansweredIsTriedAgainUnderANewName() throws Exception {
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    SessionWarmUp.Kind flaky =
        new SessionWarmUp.Kind(
            "flaky",
            name -> {
              names.add(name);
              // the first recovery fails (a query that timed out): the entity stops
              return names.size() == 1 ? Behaviors.stopped() : answering();
            },
            List.of());

    assertTrue(SessionWarmUp.run(testKit.system(), List.of(flaky), Duration.ofSeconds(10)));
    assertEquals(2, names.size());
    assertFalse(names.get(0).equals(names.get(1)));
  }

  @Test
  void aWarmUpWithoutAnswerEndsAtItsBound() throws Exception {
    AtomicInteger started = new AtomicInteger();
    SessionWarmUp.Kind silent = counted("silent", started, Behaviors.ignore());
    long t0 = System.nanoTime();

    assertFalse(SessionWarmUp.run(testKit.system(), List.of(silent), Duration.ofMillis(300)));

    long tookMillis = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(tookMillis >= 300 && tookMillis < 5_000, tookMillis + " ms");
    assertEquals(1, started.get());
  }

  @Test
  void zeroMeansNoWarmUp() throws Exception {
    AtomicInteger started = new AtomicInteger();
    SessionWarmUp.Kind counted = counted("counted", started, answering());

    assertTrue(SessionWarmUp.run(testKit.system(), List.of(counted), Duration.ZERO));
    assertEquals(0, started.get());
  }

  @Test
  void theSerializersOfEveryJournaledTypeAndItsSubtypesAreBuilt() {
    NodeSettings settings = NodeSettings.fromConfig(testKit.system().settings().config());
    Set<Class<?>> types = new LinkedHashSet<>();
    SessionWarmUp.kinds(
            settings.rooms(),
            settings.recordings(),
            settings.maps(),
            Clock.systemUTC(),
            Blobs.get(testKit.system()))
        .forEach(k -> k.journaled().forEach(t -> SessionWarmUp.withSubtypes(t, types)));
    SessionWarmUp.COMMON.forEach(t -> SessionWarmUp.withSubtypes(t, types));

    // the subtypes named by @JsonSubTypes and by sealed permits are all in
    assertTrue(types.contains(RoomEntity.DocEdited.class));
    assertTrue(types.contains(RecordingEntity.Published.class));
    assertTrue(types.contains(MapEntity.EntriesPut.class));
    assertTrue(types.contains(SessionCommand.Join.class));
    // every one of them has a reader and a writer: none fails to build (it would fail on first use)
    assertEquals(types.size(), SessionWarmUp.prefetchSerializers(testKit.system(), types));
  }

  /** A kind whose entities behave as {@code entity}, each start counted in {@code started}. */
  private static SessionWarmUp.Kind counted(
      String name, AtomicInteger started, Behavior<SessionCommand> entity) {
    return new SessionWarmUp.Kind(
        name,
        entityName -> {
          started.incrementAndGet();
          return entity;
        },
        List.of());
  }

  private static Behavior<SessionCommand> answering() {
    return Behaviors.receive(SessionCommand.class)
        .onMessage(
            SessionCommand.GetSummary.class,
            get -> {
              get.replyTo().tell(summary());
              return Behaviors.same();
            })
        .onMessage(SessionCommand.Stop.class, stop -> Behaviors.stopped())
        .build();
  }

  private static SessionSummary summary() {
    return new SessionSummary(
        false, 0, null, java.util.Map.of(), 0, 0, null, null, null, null, null);
  }
}
