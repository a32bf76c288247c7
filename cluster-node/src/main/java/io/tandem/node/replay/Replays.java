package io.tandem.node.replay;

import io.tandem.node.fanout.JournalReader;
import io.tandem.node.fanout.OutFrame;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.recording.RecordedBatch;
import io.tandem.node.recording.RecordingEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.ReplayEnd;
import io.tandem.protocol.ReplayEvents;
import io.tandem.protocol.ReplayItem;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Replays of persisted sessions (protocol 4.4): the durable history read back from the Cassandra
 * journal with Pekko Persistence Query, re-encoded into the frames live members saw ({@code delta},
 * {@code events}, {@code ended}), paced by a {@link ReplayPacer}, batched into {@code
 * replay.events} frames and ended by {@code replay.end}.
 *
 * <p>A replay is a stream of its own, merged into its connection's outbound side, so it is
 * backpressured end to end: a slow client slows its own replay and nothing else, and the journal is
 * read only as fast as frames leave. It never changes the session.
 */
public final class Replays {
  /** Items at most per {@code replay.events} frame, and how long a frame waits to fill. */
  private static final int MAX_ITEMS = 200;

  private static final Duration BATCH_WINDOW = Duration.ofMillis(20);

  /** Payload bytes at most per {@code replay.events} frame (a single larger item goes alone). */
  private static final long MAX_PAYLOAD_BYTES = 1 << 20;

  /** One replay's range and speed; {@code until} is already capped at the session's seq. */
  public record Request(SessionId session, long from, long until, double speed) {}

  private final ActorSystem<?> system;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final BlobStore blobs;
  private final Map<SessionId, ReplayPacer> lastPacers = new ConcurrentHashMap<>();

  public Replays(ActorSystem<?> system) {
    this.system = system;
    this.blobs = Blobs.get(system);
    this.journal =
        PersistenceQuery.get(system.classicSystem())
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, JournalReader.READ_JOURNAL);
  }

  /** A pacer for a new replay at {@code speed}. */
  public ReplayPacer pacer(SessionId session, double speed) {
    ReplayPacer pacer =
        new ReplayPacer(
            speed, system.classicSystem().scheduler(), system.executionContext(), System::nanoTime);
    lastPacers.put(session, pacer);
    return pacer;
  }

  /** The pacer of the latest replay of {@code session} on this node (status and tests). */
  public ReplayPacer lastPacer(SessionId session) {
    return lastPacers.get(session);
  }

  /**
   * The replay's frames as messages in {@code encoding}: {@code first} (the reply to the request),
   * the paced items, then {@code replay.end}.
   */
  public Source<Message, UniqueKillSwitch> source(
      Request request, ServerFrame first, ReplayPacer pacer, Encoding encoding, FrameCodec codec) {
    SessionId session = request.session();
    long nothingYet = Math.min(request.from() - 1, request.until());

    Source<ServerFrame, ?> items =
        History.read(journal, blobs, session, request.from(), request.until(), true)
            .mapAsync(1, o -> pacer.await(History.tsOf(o)).thenApply(done -> o))
            .groupedWeightedWithin(
                MAX_PAYLOAD_BYTES, MAX_ITEMS, Replays::payloadBytes, BATCH_WINDOW)
            // the state is the last seq replayed; completion emits replay.end with it
            .statefulMap(
                () -> nothingYet,
                (last, group) -> {
                  List<ReplayItem> out = new ArrayList<>(group.size());
                  long newLast = last;
                  for (Object o : group) {
                    ReplayItem item = History.item(session, o);
                    out.add(item);
                    if (item.seq() != null) {
                      newLast = item.seq();
                    }
                  }
                  return Pair.create(newLast, (ServerFrame) new ReplayEvents(session, out));
                },
                last -> Optional.of((ServerFrame) new ReplayEnd(session, last)));
    return Source.single(first)
        .concat(items)
        .map(
            frame -> {
              OutFrame out = new OutFrame(frame);
              if (frame instanceof ReplayEvents events) {
                TandemMetrics.replayed(events.items().size());
              }
              TandemMetrics.frameSent(frame.type(), out.size(encoding, codec));
              return out.message(encoding, codec);
            })
        .viaMat(KillSwitches.single(), Keep.right());
  }

  private static Long payloadBytes(Object u) {
    return u instanceof RecordedBatch b && b.bytes() != null ? (long) b.bytes().length : 0L;
  }

  /** The journal's persistence id of a session. */
  public static String persistenceId(SessionId session) {
    return switch (session.kind()) {
      case ROOM -> RoomEntity.persistenceId(session.name()).id();
      case RECORDING -> RecordingEntity.persistenceId(session.name()).id();
      case MAP -> io.tandem.node.map.MapEntity.persistenceId(session.name()).id();
    };
  }
}
