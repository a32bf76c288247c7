package io.tandem.node.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.room.DocEdit;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionSummary;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.serialization.StableCborSerializer;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The rollout on the real Cassandra, both ways: a room persisted by a node that writes class-name
 * manifests (step 1, and every release before it) recovers on a node that writes stable names (step
 * 2) and keeps going there; and a room persisted with stable names recovers on a node of step 1
 * (the node of step 1 that takes a room over from a node of step 2 during the second rolling
 * upgrade, or a rollback). Both kinds of rows sit side by side in each journal. {@code
 * MixedManifestsClusterTest} runs the same in a cluster of mixed nodes.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StableManifestsRecoveryTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final RoomSettings SETTINGS =
      new RoomSettings(
          3, // members
          5, // ops per frame
          2000, // doc bytes
          100, // presence bytes
          2, // objects
          Duration.ofSeconds(30),
          Duration.ofHours(1), // no tick during the test
          100, // snapshot every: no snapshot, every change is replayed from the journal
          4, // recent changes
          8, // changes per write
          Duration.ofHours(1),
          300);

  private final ManualClock clock = new ManualClock(1_700_000_000_000L);

  private static ActorTestKit node(String name, CassandraTestConfig cassandra, boolean stable) {
    return ActorTestKit.create(
        name,
        ConfigFactory.parseString(
                "pekko.remote.artery.canonical.port = 0\n"
                    + "pekko.actor.serialize-messages = on\n"
                    + StableCborSerializer.WRITE_STABLE
                    + " = "
                    + stable)
            .withFallback(cassandra.pekkoConfig())
            .withFallback(ConfigFactory.load()));
  }

  private void join(ActorTestKit kit, ActorRef<RoomEntity.Command> room) {
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    room.tell(
        new RoomEntity.Join(
            "alice/1",
            "c-alice",
            new MemberInfo("alice/1", "browser", "editor", JsonNodeFactory.instance.objectNode()),
            1L,
            null,
            null,
            hub.ref()));
    hub.fishForMessage(
        WAIT,
        m ->
            m instanceof Subscriber.Admitted
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
  }

  private void edit(ActorTestKit kit, ActorRef<RoomEntity.Command> room, int n) {
    TestProbe<SessionReply> reply = kit.createTestProbe();
    room.tell(
        new RoomEntity.Edit("alice/1", List.of(DocEdit.set("n", IntNode.valueOf(n))), reply.ref()));
    assertInstanceOf(SessionReply.Accepted.class, reply.receiveMessage(WAIT));
  }

  private long seq(ActorTestKit kit, ActorRef<RoomEntity.Command> room) {
    TestProbe<SessionSummary> summary = kit.createTestProbe();
    room.tell(new RoomEntity.GetSummary(summary.ref()));
    return summary.receiveMessage(WAIT).seq();
  }

  private List<String> manifests(ActorTestKit kit, CassandraTestConfig cassandra, String room) {
    return CassandraSessionRegistry.get(kit.system())
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"))
        .selectAll(
            "SELECT ser_manifest FROM "
                + cassandra.keyspace()
                + ".messages WHERE persistence_id = ? AND partition_nr = 0",
            RoomEntity.persistenceId(room).id())
        .toCompletableFuture()
        .join()
        .stream()
        .map(r -> r.getString("ser_manifest"))
        .toList();
  }

  @Test
  void aRoomWrittenWithClassNamesRecoversAndContinuesWithStableNames(
      CassandraTestConfig cassandra) {
    String name = "r-" + UUID.randomUUID();

    ActorTestKit before = node("ManifestsBefore", cassandra, false);
    try {
      ActorRef<RoomEntity.Command> room =
          before.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      join(before, room);
      edit(before, room, 1);
      edit(before, room, 2);
      assertEquals(2, seq(before, room));
      assertEquals(
          List.of(
              RoomEntity.Created.class.getName(),
              RoomEntity.DocEdited.class.getName(),
              RoomEntity.DocEdited.class.getName()),
          manifests(before, cassandra, name));
    } finally {
      before.shutdownTestKit();
    }

    ActorTestKit after = node("ManifestsAfter", cassandra, true);
    try {
      ActorRef<RoomEntity.Command> room =
          after.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(2, seq(after, room), "every old row replayed");
      join(after, room);
      edit(after, room, 3);
      assertEquals(3, seq(after, room));
      assertEquals(
          List.of(
              RoomEntity.Created.class.getName(),
              RoomEntity.DocEdited.class.getName(),
              RoomEntity.DocEdited.class.getName(),
              "room.doc-edited"),
          manifests(after, cassandra, name));

      // and a second recovery reads both kinds of rows
      TestProbe<Object> watcher = after.createTestProbe();
      after.stop(room);
      watcher.expectTerminated(room, WAIT);
      ActorRef<RoomEntity.Command> again =
          after.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(3, seq(after, again));
    } finally {
      after.shutdownTestKit();
    }
  }

  @Test
  void aRoomWrittenWithStableNamesRecoversAndContinuesWithClassNames(
      CassandraTestConfig cassandra) {
    String name = "r-" + UUID.randomUUID();

    ActorTestKit stable = node("ManifestsStable", cassandra, true);
    try {
      ActorRef<RoomEntity.Command> room =
          stable.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      join(stable, room);
      edit(stable, room, 1);
      edit(stable, room, 2);
      assertEquals(2, seq(stable, room));
      assertEquals(
          List.of("room.created", "room.doc-edited", "room.doc-edited"),
          manifests(stable, cassandra, name));
    } finally {
      stable.shutdownTestKit();
    }

    ActorTestKit classNames = node("ManifestsClassNames", cassandra, false);
    try {
      ActorRef<RoomEntity.Command> room =
          classNames.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(2, seq(classNames, room), "every stable-name row replayed");
      join(classNames, room);
      edit(classNames, room, 3);
      assertEquals(3, seq(classNames, room));
      assertEquals(
          List.of(
              "room.created",
              "room.doc-edited",
              "room.doc-edited",
              RoomEntity.DocEdited.class.getName()),
          manifests(classNames, cassandra, name));

      TestProbe<Object> watcher = classNames.createTestProbe();
      classNames.stop(room);
      watcher.expectTerminated(room, WAIT);
      ActorRef<RoomEntity.Command> again =
          classNames.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(3, seq(classNames, again));
    } finally {
      classNames.shutdownTestKit();
    }
  }
}
