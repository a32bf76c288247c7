package io.tandem.persistence.blob;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Content-addressed storage of large payloads: a payload is stored once under its SHA-256 and read
 * back by its {@link BlobRef}. Every method is asynchronous and blocks on nothing; it is safe to
 * call from actors and stream stages, and from several threads at once.
 */
public interface BlobStore {

  /**
   * Stores {@code bytes} unless a blob with the same hash is already complete; completes with its
   * reference once the blob is durable and readable. Storing the same bytes twice, even at the same
   * time, leaves one blob. The caller must not change {@code bytes} afterwards.
   */
  CompletionStage<BlobRef> put(byte[] bytes);

  /**
   * The payload of {@code ref}; empty when no complete blob has that hash (never stored, or its
   * writer died half way). Fails only when the store cannot be read.
   */
  CompletionStage<Optional<byte[]>> get(BlobRef ref);
}
