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
import io.tandem.node.session.SessionCommand;
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
      RoomSettings.DEFAULTS
          .withMaxMembers(3)
          .withMaxOpsPerFrame(5)
          .withMaxDocBytes(2000)
          .withMaxPresenceBytes(100)
          .withMaxObjects(2)
          .withTickInterval(Duration.ofHours(1)) // no tick during the test
          .withSnapshotEvery(100) // no snapshot: every change is replayed from the journal
          .withRecentChanges(4)
          .withMaxChangesPerWrite(8)
          .withPassivateAfter(Duration.ofHours(1))
          .withIdempotencyKeys(300)
          .withHoldGrace(Duration.ZERO);

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

  private void join(ActorTestKit kit, ActorRef<SessionCommand> room) {
    TestProbe<Subscriber.Message> hub = kit.createTestProbe();
    room.tell(
        new SessionCommand.Join(
            "alice/1",
            "c-alice",
            new MemberInfo("alice/1", "browser", "editor", JsonNodeFactory.instance.objectNode()),
            1L,
            null,
            hub.ref()));
    hub.fishForMessage(
        WAIT,
        m ->
            m instanceof Subscriber.Admitted
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
  }

  private void edit(ActorTestKit kit, ActorRef<SessionCommand> room, int n) {
    TestProbe<SessionReply> reply = kit.createTestProbe();
    room.tell(
        new RoomEntity.Edit("alice/1", List.of(DocEdit.set("n", IntNode.valueOf(n))), reply.ref()));
    assertInstanceOf(SessionReply.Accepted.class, reply.receiveMessage(WAIT));
  }

  private long seq(ActorTestKit kit, ActorRef<SessionCommand> room) {
    TestProbe<SessionSummary> summary = kit.createTestProbe();
    room.tell(new SessionCommand.GetSummary(summary.ref()));
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
    String created = RoomEntity.Created.class.getName();
    String edited = RoomEntity.DocEdited.class.getName();
    writeThenRecoverOnTheOtherSetting(
        cassandra,
        false,
        List.of(created, edited, edited),
        List.of(created, edited, edited, "room.doc-edited"));
  }

  @Test
  void aRoomWrittenWithStableNamesRecoversAndContinuesWithClassNames(
      CassandraTestConfig cassandra) {
    writeThenRecoverOnTheOtherSetting(
        cassandra,
        true,
        List.of("room.created", "room.doc-edited", "room.doc-edited"),
        List.of(
            "room.created",
            "room.doc-edited",
            "room.doc-edited",
            RoomEntity.DocEdited.class.getName()));
  }

  /**
   * A room created and edited twice on a node writing stable names or not ({@code firstStable}),
   * its rows' manifests {@code first}; then recovered on a node with the other setting, edited once
   * more (rows {@code then}), stopped and recovered again from both kinds of rows.
   */
  private void writeThenRecoverOnTheOtherSetting(
      CassandraTestConfig cassandra, boolean firstStable, List<String> first, List<String> then) {
    String name = "r-" + UUID.randomUUID();

    ActorTestKit writer = node("ManifestsFirst", cassandra, firstStable);
    try {
      ActorRef<SessionCommand> room = writer.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      join(writer, room);
      edit(writer, room, 1);
      edit(writer, room, 2);
      assertEquals(2, seq(writer, room));
      assertEquals(first, manifests(writer, cassandra, name));
    } finally {
      writer.shutdownTestKit();
    }

    ActorTestKit reader = node("ManifestsThen", cassandra, !firstStable);
    try {
      ActorRef<SessionCommand> room = reader.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(2, seq(reader, room), "every row of the other kind replayed");
      join(reader, room);
      edit(reader, room, 3);
      assertEquals(3, seq(reader, room));
      assertEquals(then, manifests(reader, cassandra, name));

      // and a second recovery reads both kinds of rows
      TestProbe<Object> watcher = reader.createTestProbe();
      reader.stop(room);
      watcher.expectTerminated(room, WAIT);
      ActorRef<SessionCommand> again = reader.spawn(RoomEntity.create(name, null, SETTINGS, clock));
      assertEquals(3, seq(reader, again));
    } finally {
      reader.shutdownTestKit();
    }
  }
}
