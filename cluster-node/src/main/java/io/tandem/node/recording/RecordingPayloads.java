package io.tandem.node.recording;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.session.SessionUpdate;
import io.tandem.persistence.blob.BlobStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording payloads and the blob store, at the edges of a recording: a publish's payload over the
 * blob threshold is stored (once per distinct content) on the publisher's connection before the
 * batch goes to the recording, so the recording persists only its reference; smaller payloads stay
 * inline. Whoever reads batches back from the journal (replay, export, resume) {@link #resolve}s
 * the references into bytes again. Blocks on nothing.
 */
public final class RecordingPayloads {
  private static final Logger log = LoggerFactory.getLogger(RecordingPayloads.class);

  /** Blobs read ahead by journal readers (replay, export, resume), in order. */
  public static final int PARALLEL_READS = 4;

  private final BlobStore store;
  private final int blobThreshold;

  public RecordingPayloads(BlobStore store, int blobThreshold) {
    this.store = store;
    this.blobThreshold = blobThreshold;
  }

  /** The batch to send to the recording, once its payload (if large) is stored. */
  public CompletionStage<RecordingEntity.Publication> publication(
      List<JsonNode> events, boolean checkpoint, boolean isStatic, byte[] bytes, long size) {
    if (bytes == null || bytes.length <= blobThreshold) {
      return CompletableFuture.completedFuture(
          new RecordingEntity.Publication(events, checkpoint, isStatic, bytes, null, size));
    }
    return store
        .put(bytes)
        .whenComplete(
            (ref, failure) -> {
              if (failure != null) {
                log.warn(
                    "storing a payload of {} bytes failed: {}", bytes.length, failure.toString());
              }
            })
        .thenApply(
            ref -> new RecordingEntity.Publication(events, checkpoint, isStatic, bytes, ref, size));
  }

  /**
   * {@code update} as viewers see it: a batch whose payload is in the blob store gets its bytes. A
   * blob missing from the store (never expected: it is written before its event) is logged and the
   * batch goes out without bytes.
   */
  public static CompletionStage<SessionUpdate> resolve(BlobStore store, SessionUpdate update) {
    if (!(update instanceof RecordedBatch b) || !b.needsBytes()) {
      return CompletableFuture.completedFuture(update);
    }
    return store
        .get(b.blob())
        .thenApply(
            bytes -> {
              if (bytes.isEmpty()) {
                log.error("blob {} of batch {} is missing from the blob store", b.blob(), b.seq());
                return b;
              }
              return b.withBytes(bytes.get());
            });
  }
}
