package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.tandem.node.fanout.JournalReader;
import io.tandem.node.replay.History;
import io.tandem.persistence.blob.BlobStore;
import io.tandem.persistence.blob.Blobs;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.ReplayItem;
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
 * JSON or as a CBOR sequence (RFC 8742). On request ({@code poses=true}, a Tandem addition) a
 * room's recorded ticks of XR motion come too, between the changes, as {@code {ts, frame}} items
 * without {@code seq}, as in a replay. Streamed from the journal in constant memory; payloads in
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

  /**
   * The items with {@code from <= seq <= until} (and with {@code poses} the recorded ticks between
   * them), encoded, one chunk per item.
   */
  public Source<ByteString, NotUsed> bytes(
      SessionId session, long from, long until, Encoding encoding, boolean poses) {
    return History.read(journal, blobs, session, from, until, poses)
        .map(o -> encode(History.item(session, o), encoding));
  }

  /** The export's length in bytes, counted once and remembered under {@code key}. */
  public CompletionStage<Long> length(
      String key, SessionId session, long from, long until, Encoding encoding, boolean poses) {
    synchronized (lengths) {
      Long known = lengths.get(key);
      if (known != null) {
        return java.util.concurrent.CompletableFuture.completedFuture(known);
      }
    }
    return bytes(session, from, until, encoding, poses)
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

  private ByteString encode(ReplayItem it, Encoding encoding) {
    byte[] frame = codec.encode(encoding, it.frame());
    try {
      if (encoding == Encoding.JSON) {
        String line =
            (it.seq() == null ? "{" : "{\"seq\":" + it.seq() + ",")
                + "\"ts\":"
                + it.ts()
                + ",\"frame\":"
                + new String(frame, StandardCharsets.UTF_8)
                + "}\n";
        return ByteString.fromString(line);
      }
      ObjectNode item = CBOR.createObjectNode();
      if (it.seq() != null) {
        item.put("seq", it.seq());
      }
      item.put("ts", it.ts());
      JsonNode frameTree = CBOR.readTree(frame);
      item.set("frame", frameTree);
      return ByteString.fromArrayUnsafe(CBOR.writeValueAsBytes(item));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
