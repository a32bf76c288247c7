package io.tandem.protocol;

import java.util.regex.Pattern;

/** The keys of a map's entries (protocol section 4.5): {@code [A-Za-z0-9._:/-]{1,256}}. */
public final class MapKeys {

  /** What a key must match. */
  public static final Pattern PATTERN = Pattern.compile("[A-Za-z0-9._:/-]{1,256}");

  /** The longest key, in characters. */
  public static final int MAX_LENGTH = 256;

  private MapKeys() {}

  /** Whether {@code key} matches {@link #PATTERN} (checked without a regex: keys come in bulk). */
  public static boolean valid(String key) {
    if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      // a session name's characters, and ':' and '/', which keys use as separators
      if (!SessionId.isNameChar(c) && c != ':' && c != '/') {
        return false;
      }
    }
    return true;
  }
}
