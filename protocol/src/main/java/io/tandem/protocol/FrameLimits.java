package io.tandem.protocol;

/**
 * Bounds on what a client may put into one frame beyond its byte size, checked while a client frame
 * is decoded: a frame crossing one is {@code bad_frame} and never reaches a session. They keep
 * every later step (the document code, the snapshot a late joiner gets) cheap and bounded whatever
 * a client sends.
 *
 * <p>Server frames are read with {@link #UNBOUNDED}: what the server sends was checked when it came
 * in.
 *
 * @param maxPathSegments most keys in one {@code op} path ({@code a.b.c} has 3)
 * @param maxKeyBytes longest key of an {@code op} path, in UTF-8 bytes
 * @param maxClientNameChars longest {@code hello.client.name}, in Unicode code points (any script:
 *     the name is UTF-8 like every string)
 */
public record FrameLimits(int maxPathSegments, int maxKeyBytes, int maxClientNameChars) {

  /** The defaults of {@code tandem.ws}: 32 keys a path, 256 bytes a key, 64-character names. */
  public static final FrameLimits DEFAULTS = new FrameLimits(32, 256, 64);

  /** No bound: for reading server frames. */
  public static final FrameLimits UNBOUNDED =
      new FrameLimits(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

  /**
   * Checks every bound is positive.
   *
   * @throws IllegalArgumentException when one is not
   */
  public FrameLimits {
    if (maxPathSegments < 1 || maxKeyBytes < 1 || maxClientNameChars < 1) {
      throw new IllegalArgumentException("frame limits must be positive");
    }
  }

  /**
   * Why {@code path} crosses these limits or is not a path (an empty key), or null when it is fine.
   * Stops at the first problem: a path of any length costs one pass at most.
   */
  public String pathProblem(String path) {
    if (path == null || path.isEmpty()) {
      return "must be dot-separated keys with no empty key";
    }
    int segments = 1;
    long keyBytes = 0;
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (c == '.') {
        if (keyBytes == 0) {
          return "must be dot-separated keys with no empty key";
        }
        if (++segments > maxPathSegments) {
          return "has more than " + maxPathSegments + " keys";
        }
        keyBytes = 0;
        continue;
      }
      keyBytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
      if (keyBytes > maxKeyBytes) {
        return "has a key longer than " + maxKeyBytes + " bytes";
      }
    }
    return keyBytes == 0 ? "must be dot-separated keys with no empty key" : null;
  }
}
