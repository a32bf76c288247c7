package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.tandem.node.fanout.Frames;
import io.tandem.node.fanout.JournalReader;
import io.tandem.node.recording.RecordingPayloads;
import io.tandem.node.replay.Replays;
import io.tandem.node.session.ChangeEvent;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.SessionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The durable history of a session as a byte stream (protocol 9, {@code /events}): one item per
 * durable change, {@code {seq, ts, frame}} as in {@code replay.events}, either as newline-delimited
 * JSON or as a CBOR sequence (RFC 8742). Streamed from the journal in constant memory; payloads in
 * the blob store are read a few items ahead and written out as bytes, as viewers saw them.
 *
 * <p>The export of an ended recording never changes, so its length can be known (one counting pass,
 * remembered) and it gets an ETag: that is what makes {@code Range} requests possible.
 */
public final class SessionExport {
  private static final CBORMapper CBOR = new CBORMapper();
  private static final int REMEMBERED_LENGTHS = 1000;

  private final ActorSystem<?> system;
  private final FrameCodec codec;
  private final CurrentEventsByPersistenceIdQuery journal;
  private final BlobStore blobs;
  private final Map<String, Long> lengths =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED_LENGTHS;
        }
      };

  public SessionExport(ActorSystem<?> system, FrameCodec codec) {
    this.system = system;
    this.codec = codec;
    this.blobs = Blobs.get(system);
    this.journal =
        PersistenceQuery.get(system.classicSystem())
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, JournalReader.READ_JOURNAL);
  }

  /** The items with {@code from <= seq <= until}, encoded, one chunk per item. */
  public Source<ByteString, NotUsed> bytes(
      SessionId session, long from, long until, Encoding encoding) {
    return journal
        .currentEventsByPersistenceId(Replays.persistenceId(session), 0L, Long.MAX_VALUE)
        .map(env -> env.event())
        .filter(e -> e instanceof ChangeEvent)
        .map(e -> ((ChangeEvent) e).change())
        .takeWhile(u -> u.firstSeq() <= until)
        .filter(u -> u.seq() >= from)
        .map(u -> u.after(from - 1))
        .mapAsync(RecordingPayloads.PARALLEL_READS, u -> RecordingPayloads.resolve(blobs, u))
        .map(u -> encode(session, u, encoding));
  }

  /** The export's length in bytes, counted once and remembered under {@code key}. */
  public CompletionStage<Long> length(
      String key, SessionId session, long from, long until, Encoding encoding) {
    synchronized (lengths) {
      Long known = lengths.get(key);
      if (known != null) {
        return java.util.concurrent.CompletableFuture.completedFuture(known);
      }
    }
    return bytes(session, from, until, encoding)
        .runWith(Sink.fold(0L, (n, b) -> n + b.size()), system)
        .thenApply(
            n -> {
              synchronized (lengths) {
                lengths.put(key, n);
              }
              return n;
            });
  }

  /** A strong validator for an immutable export: the same request of the same history. */
  public static String etag(String key) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private ByteString encode(SessionId session, SessionUpdate u, Encoding encoding) {
    byte[] frame = codec.encode(encoding, Frames.update(session, u));
    try {
      if (encoding == Encoding.JSON) {
        String line =
            "{\"seq\":"
                + u.seq()
                + ",\"ts\":"
                + u.ts()
                + ",\"frame\":"
                + new String(frame, StandardCharsets.UTF_8)
                + "}\n";
        return ByteString.fromString(line);
      }
      ObjectNode item = CBOR.createObjectNode();
      item.put("seq", u.seq());
      item.put("ts", u.ts());
      JsonNode frameTree = CBOR.readTree(frame);
      item.set("frame", frameTree);
      return ByteString.fromArrayUnsafe(CBOR.writeValueAsBytes(item));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
