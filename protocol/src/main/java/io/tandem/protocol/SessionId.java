package io.tandem.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A session id: {@code room:<name>}, {@code recording:<name>} or {@code map:<name>}, where {@code
 * <name>} matches {@code [A-Za-z0-9._-]{1,128}}. Its {@link #toString()} is the wire form.
 *
 * @param kind the session kind
 * @param name the name, matching {@link #NAME_PATTERN}
 */
public record SessionId(SessionKind kind, String name) {

  /** What a session name must match. */
  public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,128}");

  /**
   * Checks the invariants.
   *
   * @throws IllegalArgumentException when the name does not match {@link #NAME_PATTERN}
   * @throws NullPointerException when kind or name is null
   */
  public SessionId {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    if (!isValidName(name)) {
      throw new IllegalArgumentException(
          "invalid session name '" + abbreviate(name) + "': must match " + NAME_PATTERN);
    }
  }

  /** A room id. */
  public static SessionId room(String name) {
    return new SessionId(SessionKind.ROOM, name);
  }

  /** A recording id. */
  public static SessionId recording(String name) {
    return new SessionId(SessionKind.RECORDING, name);
  }

  /** A map id. */
  public static SessionId map(String name) {
    return new SessionId(SessionKind.MAP, name);
  }

  /**
   * Parses the wire form.
   *
   * @throws IllegalArgumentException when the text is not a valid session id
   */
  public static SessionId parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("session id is null");
    }
    int colon = text.indexOf(':');
    Optional<SessionKind> kind =
        colon < 0 ? Optional.empty() : SessionKind.fromPrefix(text.substring(0, colon));
    if (kind.isEmpty()) {
      throw new IllegalArgumentException(
          "invalid session '"
              + abbreviate(text)
              + "': must be room:<name>, recording:<name> or map:<name>");
    }
    String name = text.substring(colon + 1);
    if (!isValidName(name)) {
      throw new IllegalArgumentException(
          "invalid session '" + abbreviate(text) + "': <name> must match " + NAME_PATTERN);
    }
    return new SessionId(kind.get(), name);
  }

  /**
   * Whether {@code name} matches {@link #NAME_PATTERN}, checked by a loop over its characters:
   * every inbound frame names its session, and the regex engine cost a few percent of a node's CPU
   * there.
   */
  public static boolean isValidName(String name) {
    int n = name.length();
    if (n < 1 || n > 128) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (!isNameChar(name.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code c} is in {@code [A-Za-z0-9._-]}, the characters of a session name. */
  public static boolean isNameChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }

  /** Parses the wire form, or empty when it is not a valid session id. */
  public static Optional<SessionId> tryParse(String text) {
    try {
      return Optional.of(parse(text));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The wire form, e.g. {@code room:design-1}. */
  @Override
  public String toString() {
    return kind.prefix() + ":" + name;
  }

  private static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 160) + "...";
  }
}
