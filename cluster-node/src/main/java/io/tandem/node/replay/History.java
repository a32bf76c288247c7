package io.tandem.node.replay;

import io.tandem.node.fanout.Frames;
import io.tandem.node.fanout.JournalReader;
import io.tandem.node.map.MapEntity;
import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.protocol.ReplayItem;
import io.tandem.protocol.SessionId;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A session's persisted history read back from the journal, the one reading that replays and the
 * HTTP export share: its durable changes with {@code from <= seq <= until} (a recording batch cut
 * at {@code from}; payloads in the blob store resolved a few items ahead), and, when asked, the
 * recorded ticks of XR motion (and a map's checkpoints of ephemeral values) between them (those
 * recorded after seq {@code from - 1}, up to the change after {@code until}). Items are {@link
 * SessionUpdate}s and {@link RoomEntity.PosesRecorded}s, in journal order; {@link #item} makes each
 * the item members saw.
 */
public final class History {
  private History() {}

  public static Source<Object, NotUsed> read(
      CurrentEventsByPersistenceIdQuery journal,
      BlobStore blobs,
      SessionId session,
      long from,
      long until,
      boolean withPoses) {
    return journal
        // a room's change `from` and the ticks recorded after seq `from - 1` are both written after
        // change `from - 1`, so at sequence number `from` or later
        .currentEventsByPersistenceId(
            Replays.persistenceId(session),
            JournalReader.firstSequenceNr(session, from - 1),
            Long.MAX_VALUE)
        .map(env -> env.event())
        .filter(
            e ->
                e instanceof ChangeEvent
                    || (withPoses
                        && (e instanceof RoomEntity.PosesRecorded
                            || e instanceof MapEntity.EphemeralCheckpointed)))
        .map(e -> e instanceof ChangeEvent c ? (Object) c.change() : e)
        .takeWhile(o -> !(o instanceof SessionUpdate u) || u.firstSeq() <= until)
        .filter(o -> o instanceof SessionUpdate u ? u.seq() >= from : afterSeqOf(o) >= from - 1)
        .map(o -> o instanceof SessionUpdate u ? u.after(from - 1) : o)
        .mapAsync(
            RecordingPayloads.PARALLEL_READS,
            o ->
                o instanceof SessionUpdate u
                    ? RecordingPayloads.resolve(blobs, u).thenApply(r -> (Object) r)
                    : CompletableFuture.completedFuture(o));
  }

  private static long afterSeqOf(Object o) {
    return o instanceof MapEntity.EphemeralCheckpointed c
        ? c.afterSeq()
        : ((RoomEntity.PosesRecorded) o).afterSeq();
  }

  /** When an item happened (server time, epoch ms). */
  public static long tsOf(Object item) {
    if (item instanceof MapEntity.EphemeralCheckpointed c) {
      return c.ts();
    }
    return item instanceof SessionUpdate u ? u.ts() : ((RoomEntity.PosesRecorded) item).ts();
  }

  /** The item as members saw it: a durable change with its seq, a tick of poses without one. */
  public static ReplayItem item(SessionId session, Object o) {
    if (o instanceof SessionUpdate u) {
      return new ReplayItem(u.seq(), u.ts(), Frames.update(session, u));
    }
    if (o instanceof MapEntity.EphemeralCheckpointed c) {
      // a map's checkpoint of ephemeral values: `changes` without seq (protocol 4.5)
      return new ReplayItem(
          null, c.ts(), io.tandem.protocol.Changes.ephemeral(session, c.values()));
    }
    RoomEntity.PosesRecorded r = (RoomEntity.PosesRecorded) o;
    return new ReplayItem(null, r.ts(), Frames.poses(session, r));
  }
}
