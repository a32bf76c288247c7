package io.tandem.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable binary value, such as the {@code bytes} of a {@code publish}: a CBOR byte string in
 * CBOR, a base64 string in JSON. Equal by content; {@link #toString()} shows the size only.
 */
public final class Blob {

  private final byte[] bytes;

  private Blob(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A blob holding a copy of these bytes. */
  public static Blob of(byte[] bytes) {
    return new Blob(Objects.requireNonNull(bytes, "bytes").clone());
  }

  /** Takes ownership of an array nobody else holds (the codec's freshly decoded arrays). */
  static Blob wrap(byte[] bytes) {
    return new Blob(bytes);
  }

  /** A copy of the bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The internal array, for the codec only: never modified, never handed out. */
  byte[] array() {
    return bytes;
  }

  /** The number of bytes. */
  public int size() {
    return bytes.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Blob other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "Blob[" + bytes.length + " bytes]";
  }
}
