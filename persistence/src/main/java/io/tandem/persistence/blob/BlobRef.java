package io.tandem.persistence.blob;

import io.tandem.persistence.CborSerializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a persisted event holds instead of a large payload: the payload's SHA-256 (lower-case hex)
 * and its size in bytes. Equal payloads have equal references, which is what stores them once.
 */
public record BlobRef(String hash, long size) implements CborSerializable {
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** Validates. */
  public BlobRef {
    Objects.requireNonNull(hash, "hash");
    if (!SHA256_HEX.matcher(hash).matches()) {
      throw new IllegalArgumentException("not a SHA-256 in lower-case hex: " + hash);
    }
    if (size < 0) {
      throw new IllegalArgumentException("negative size " + size);
    }
  }

  /** The reference of these bytes (hashes them: about 2 ms per MiB, keep it off actor threads). */
  public static BlobRef of(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new BlobRef(HexFormat.of().formatHex(digest), bytes.length);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
