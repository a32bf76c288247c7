package io.tandem.persistence.testing;

import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.blob.BlobStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BlobStore} in memory, for tests of code that stores or reads blobs without Cassandra.
 */
public final class InMemoryBlobStore implements BlobStore {
  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  private final AtomicInteger reads = new AtomicInteger();

  @Override
  public CompletionStage<BlobRef> put(byte[] bytes) {
    BlobRef ref = BlobRef.of(bytes);
    blobs.putIfAbsent(ref.hash(), bytes.clone());
    return CompletableFuture.completedFuture(ref);
  }

  @Override
  public CompletionStage<Optional<byte[]>> get(BlobRef ref) {
    reads.incrementAndGet();
    byte[] b = blobs.get(ref.hash());
    return CompletableFuture.completedFuture(Optional.ofNullable(b).map(byte[]::clone));
  }

  /** Distinct blobs stored. */
  public int size() {
    return blobs.size();
  }

  /** Calls of {@link #get} so far. */
  public int reads() {
    return reads.get();
  }
}
