package io.tandem.node.recording;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.session.Subscriber;
import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.testing.InMemoryBlobStore;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The recording's rules on the entity alone (in-memory journal; commands and events are
 * round-tripped through the CBOR serializer; state is mutable by design, so it is checked through
 * its snapshot form instead).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordingEntityTest {
  private static final long BUFFER = 1000;

  private static final RecordingSettings SETTINGS =
      new RecordingSettings(
          BUFFER, 100, 1 << 20, 64, 10, 8, Duration.ofHours(1), 7, Duration.ofHours(1));

  private final ActorTestKit testKit =
      ActorTestKit.create(
          "RecordingEntityTest",
          ConfigFactory.parseString(
                  // a free port: the default (25520) may be a running node's
                  "pekko.remote.artery.canonical.port = 0\n"
                      + "pekko.actor.serialization-bindings {"
                      + " \"io.tandem.persistence.CborSerializable\" = jackson-cbor }")
              .withFallback(EventSourcedBehaviorTestKit.config())
              .withFallback(ConfigFactory.load()));

  private EventSourcedBehaviorTestKit<SessionCommand, RecordingEntity.Event, RecordingState> rec;
  private TestProbe<Subscriber.Message> hub;
  private InMemoryBlobStore blobs;

  @BeforeEach
  void freshRecording() {
    blobs = new InMemoryBlobStore();
    rec =
        EventSourcedBehaviorTestKit.create(
            testKit.system(),
            RecordingEntity.create(
                "r-" + UUID.randomUUID(),
                null,
                SETTINGS,
                new ManualClock(1_700_000_000_000L),
                blobs),
            EventSourcedBehaviorTestKit.enabledSerializationSettings()
                .withVerifyState(false)
                .withVerifyEquality(false));
    hub = testKit.createTestProbe();
  }

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private Subscriber.Message join(String member, String role, Long since, String epoch) {
    rec.runCommand(
        new SessionCommand.Join(
            member,
            "c-" + member,
            new MemberInfo(member, "producer", role, null),
            1L,
            StreamPosition.of(since, epoch),
            hub.ref()));
    return hub.fishForMessage(
            Duration.ofSeconds(3),
            m ->
                m instanceof Subscriber.MembersChanged || m instanceof Subscriber.Updated
                    ? FishingOutcomes.continueAndIgnore()
                    : FishingOutcomes.complete())
        .get(0);
  }

  private static RecordingEntity.Publication batch(
      int firstValue, int count, boolean checkpoint, boolean isStatic) {
    List<JsonNode> events = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      events.add(IntNode.valueOf(firstValue + i));
    }
    return new RecordingEntity.Publication(events, checkpoint, isStatic, null, null, 100L * count);
  }

  private SessionReply publish(String member, RecordingEntity.Publication... batches) {
    return rec.<SessionReply>runCommand(
            r -> new RecordingEntity.Publish(member, List.of(batches), r))
        .reply();
  }

  @Test
  void eachEventTakesASeqAndSeveralBatchesGoInOneWrite() {
    join("pub/1", "publisher", null, null);
    var result =
        rec.<SessionReply>runCommand(
            r ->
                new RecordingEntity.Publish(
                    "pub/1", List.of(batch(1, 5, false, false), batch(6, 3, false, false)), r));
    assertEquals(new SessionReply.Published(List.of(5L, 8L)), result.reply());
    assertEquals(2, result.events().size(), "one event per batch, persisted together");
    assertEquals(8, rec.getState().seq());
    RecordingEntity.Publication bytesOnly =
        new RecordingEntity.Publication(List.of(), false, false, new byte[] {1, 2, 3}, null, 3);
    assertEquals(new SessionReply.Published(List.of(9L)), publish("pub/1", bytesOnly));
  }

  @Test
  void aViewersJoinOfARecordingThatDoesNotExistIsNotFoundAndPersistsNothing() {
    var result =
        rec.runCommand(
            new SessionCommand.Join(
                "view/1",
                "c-view/1",
                new MemberInfo("view/1", "browser", "viewer", null),
                7L,
                null,
                hub.ref()));
    assertTrue(result.events().isEmpty(), "nothing persisted: " + result.events());
    Subscriber.Refused refused = hub.expectMessageClass(Subscriber.Refused.class);
    assertEquals(ErrorCode.NOT_FOUND, refused.code());
    assertEquals(7L, refused.ref());
    assertFalse(rec.getState().exists());
    // the publisher creates it
    assertInstanceOf(Subscriber.Admitted.class, join("pub/2", "publisher", null, null));
    assertTrue(rec.getState().exists());
  }

  @Test
  void onlyPublishersPublishAndNothingAfterTheEnd() {
    join("pub/1", "publisher", null, null);
    join("view/2", "viewer", null, null);
    assertEquals(
        ErrorCode.FORBIDDEN,
        assertInstanceOf(SessionReply.Rejected.class, publish("view/2", batch(1, 1, false, false)))
            .code());
    assertEquals(
        ErrorCode.NOT_JOINED,
        assertInstanceOf(SessionReply.Rejected.class, publish("ghost/3", batch(1, 1, false, false)))
            .code());
    publish("pub/1", batch(1, 2, false, false));
    SessionReply ended =
        rec.<SessionReply>runCommand(r -> new RecordingEntity.End("pub/1", r)).reply();
    assertEquals(new SessionReply.Accepted(3L), ended);
    assertEquals(
        ErrorCode.CONFLICT,
        assertInstanceOf(SessionReply.Rejected.class, publish("pub/1", batch(3, 1, false, false)))
            .code());
    assertTrue(rec.getState().view().ended());
  }

  @Test
  void theLiveBufferKeepsItsBoundStaticsAndTheLatestCheckpoint() {
    join("pub/1", "publisher", null, null);
    publish("pub/1", batch(0, 1, false, true)); // static, 100 bytes, seq 1
    for (int round = 0; round < 6; round++) {
      publish("pub/1", batch(round * 10, 3, true, false)); // checkpoint, 300 bytes
      publish("pub/1", batch(round * 10 + 3, 2, false, false)); // 200 bytes
    }
    RecordingState state = rec.getState();
    assertTrue(state.bufferBytes() <= BUFFER, "buffer " + state.bufferBytes());
    assertTrue(state.droppedBytes() > 0);
    RecordingView view = state.view();
    assertEquals(1, view.statics().size(), "static batches are never dropped");
    assertEquals(2, view.events().size(), "the latest checkpoint and what follows it");
    assertTrue(view.events().get(0).checkpoint());
    assertEquals(state.seq(), view.events().get(1).seq());
  }

  @Test
  void resumeSlicesABatchAndFallsBackToTheJournalWhenMemoryLostIt() {
    Subscriber.Admitted first = (Subscriber.Admitted) join("pub/1", "publisher", null, null);
    String epoch = first.view().epoch();
    publish("pub/1", batch(1, 4, true, false)); // seqs 1-4
    publish("pub/1", batch(5, 4, false, false)); // seqs 5-8
    Subscriber.Resumed resumed =
        assertInstanceOf(Subscriber.Resumed.class, join("view/2", "viewer", 2L, epoch));
    List<SessionUpdate> missed = resumed.changes();
    assertEquals(3, missed.get(0).firstSeq(), "the batch is cut after since");
    assertEquals(2, ((RecordedBatch) missed.get(0)).events().size());
    assertEquals(8, missed.get(1).seq());

    for (int i = 0; i < 5; i++) {
      publish("pub/1", batch(100 + i * 10, 3, true, false)); // pushes old batches out
    }
    assertTrue(rec.getState().historyFrom() > 3);
    assertInstanceOf(Subscriber.ResumeFromJournal.class, join("view/3", "viewer", 2L, epoch));
  }

  @Test
  void aResumeFromTheJournalStartsAtTheIndexedBatchBeforeItsSince() {
    String epoch = ((Subscriber.Admitted) join("pub/1", "publisher", null, null)).view().epoch();
    // 120 batches of five events, two per write: batch b holds seqs 5b+1..5b+5 and is journal
    // event b+2 (the first one is the recording's creation)
    for (int b = 0; b < 120; b += 2) {
      publish("pub/1", batch(b * 5 + 1, 5, true, false), batch(b * 5 + 6, 5, true, false));
    }
    // indexed: the batches starting at seqs 1, 261 and 521 (at least 256 seqs apart), which are
    // journal events 2, 54 and 106
    assertEquals(106, resumeFromJournal(520L, epoch).journalFrom(), "seq 521 is in event 106");
    assertEquals(54, resumeFromJournal(300L, epoch).journalFrom(), "seq 301 is after event 54");
    assertEquals(2, resumeFromJournal(10L, epoch).journalFrom());

    // a new incarnation (snapshot and events) knows the same
    rec.restart();
    assertEquals(106, resumeFromJournal(520L, epoch).journalFrom());
    // a snapshot taken before the count does not know: its journal is read from the start
    RecordingState.Snapshot s = rec.getState().toSnapshot();
    RecordingState old =
        RecordingState.fromSnapshot(
            new RecordingState.Snapshot(
                s.epoch(),
                s.created(),
                s.lastActivity(),
                s.seq(),
                s.ended(),
                s.statics(),
                s.buffer(),
                s.latestCheckpointFrom(),
                s.droppedBytes(),
                s.historyFrom(),
                null,
                null,
                null));
    assertEquals(0, old.journalFrom(520));
  }

  private Subscriber.ResumeFromJournal resumeFromJournal(long since, String epoch) {
    return assertInstanceOf(
        Subscriber.ResumeFromJournal.class,
        join("view/" + UUID.randomUUID(), "viewer", since, epoch));
  }

  @Test
  void aRestartRecoversTheBufferFromSnapshotAndEvents() {
    join("pub/1", "publisher", null, null);
    publish("pub/1", batch(0, 1, false, true));
    for (int i = 0; i < 9; i++) {
      publish(
          "pub/1",
          new RecordingEntity.Publication(
              List.of(IntNode.valueOf(i)), i % 3 == 0, false, new byte[] {(byte) i}, null, 50));
    }
    RecordingState before = rec.getState();
    RecordingState after = rec.restart().state();
    assertEquals(before.seq(), after.seq());
    assertEquals(before.epoch(), after.epoch());
    assertEquals(before.bufferBytes(), after.bufferBytes());
    RecordingView a = before.view();
    RecordingView b = after.view();
    assertEquals(a.statics().size(), b.statics().size());
    assertEquals(a.events().size(), b.events().size());
    for (int i = 0; i < a.events().size(); i++) {
      assertEquals(a.events().get(i).fromSeq(), b.events().get(i).fromSeq());
      assertEquals(a.events().get(i).events(), b.events().get(i).events());
      assertArrayEquals(a.events().get(i).bytes(), b.events().get(i).bytes());
    }
  }

  /** A payload of {@code n} bytes from {@code seed}, as the connection stored it. */
  private RecordingEntity.Publication blobBatch(int seed, int n, boolean checkpoint) {
    byte[] bytes = new byte[n];
    new java.util.Random(seed).nextBytes(bytes);
    BlobRef ref = blobs.put(bytes).toCompletableFuture().join();
    return new RecordingEntity.Publication(
        List.of(IntNode.valueOf(seed)), checkpoint, false, bytes, ref, n + 10L);
  }

  @Test
  void blobPayloadsArePersistedAsReferencesAndServedFromMemory() {
    join("pub/1", "publisher", null, null);
    RecordingEntity.Publication shard = blobBatch(1, 200, true);
    var result =
        rec.<SessionReply>runCommand(r -> new RecordingEntity.Publish("pub/1", List.of(shard), r));
    RecordedBatch persisted = ((RecordingEntity.Published) result.events().get(0)).batch();
    assertNull(persisted.bytes(), "the event holds only the reference");
    assertEquals(shard.blob(), persisted.blob());
    RecordedBatch live =
        (RecordedBatch)
            hub
                .fishForMessage(
                    Duration.ofSeconds(3),
                    m ->
                        m instanceof Subscriber.Updated
                            ? FishingOutcomes.complete()
                            : FishingOutcomes.continueAndIgnore())
                .stream()
                .map(m -> ((Subscriber.Updated) m).update())
                .reduce((a, b) -> b)
                .orElseThrow();
    assertArrayEquals(shard.bytes(), live.bytes(), "live viewers get the bytes");
    RecordingView view = rec.getState().view();
    assertArrayEquals(shard.bytes(), view.events().get(0).bytes(), "late joiners get them too");
    assertNull(rec.getState().toSnapshot().buffer().get(0).bytes(), "snapshots hold references");
    assertEquals(0, blobs.reads(), "nothing was read back");
    assertEquals(210, rec.getState().bufferBytes(), "the payload counts against the bound");
  }

  @Test
  void afterARestartJoinsWaitUntilThePayloadsAreReadBack() {
    join("pub/1", "publisher", null, null);
    List<RecordingEntity.Publication> sent = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      // the same content three times: held once in memory
      RecordingEntity.Publication p = blobBatch(i % 3, 300, i == 3);
      sent.add(p);
      publish("pub/1", p);
    }
    RecordingState after = rec.restart().state();
    assertEquals(9, after.seq());
    Subscriber.Admitted admitted =
        assertInstanceOf(Subscriber.Admitted.class, join("view/2", "viewer", null, null));
    RecordingView view = (RecordingView) admitted.view().state();
    assertEquals(6, view.events().size(), "the checkpoint (4th batch) and what follows");
    for (int i = 0; i < view.events().size(); i++) {
      assertNotNull(
          view.events().get(i).bytes(), "batch " + i + " has its bytes; reads " + blobs.reads());
      assertArrayEquals(sent.get(3 + i).bytes(), view.events().get(i).bytes());
    }
    assertEquals(3, blobs.reads(), "each distinct blob read once");
    assertEquals(900, rec.getState().payloadBytes(), "three distinct payloads in memory");
  }
}
