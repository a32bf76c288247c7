package io.tandem.node.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The grants of a token's {@code scope} claim: a space-separated list of {@code
 * <kind>:<name-glob>:<right>}. Everything not granted is denied; a malformed entry grants nothing.
 * Globs know {@code *} (any run of characters) and {@code ?} (one character).
 */
public final class Grants {

  /** One parsed grant. */
  public record Grant(String kind, Pattern name, Right right) {}

  private static final Grants NONE = new Grants(List.of());

  /**
   * Parsed scopes by their text: a node's connections mostly carry a handful of distinct scopes,
   * and each parse compiles a regex per grant (about 1.5 KB for a typical seven-grant scope, held
   * for the connection's life). Grants are immutable, so connections share them. Bounded: past
   * {@link #CACHED_SCOPES} distinct scopes, further ones are parsed and not kept.
   */
  private static final ConcurrentHashMap<String, Grants> PARSED = new ConcurrentHashMap<>();

  static final int CACHED_SCOPES = 4096;

  private final List<Grant> grants;

  private Grants(List<Grant> grants) {
    this.grants = List.copyOf(grants);
  }

  public static Grants none() {
    return NONE;
  }

  /** Parses a scope string; unknown rights and malformed entries are skipped. */
  public static Grants parse(String scope) {
    if (scope == null || scope.isBlank()) {
      return NONE;
    }
    Grants known = PARSED.get(scope);
    if (known != null) {
      return known;
    }
    Grants parsed = parseUncached(scope);
    if (PARSED.size() < CACHED_SCOPES) {
      PARSED.putIfAbsent(scope, parsed);
    }
    return parsed;
  }

  /** How many parsed scopes are kept (for tests). */
  static int cachedScopes() {
    return PARSED.size();
  }

  private static Grants parseUncached(String scope) {
    List<Grant> out = new ArrayList<>();
    for (String entry : scope.trim().split("\\s+")) {
      int first = entry.indexOf(':');
      int last = entry.lastIndexOf(':');
      if (first <= 0 || last == first || last == entry.length() - 1) {
        continue;
      }
      String kind = entry.substring(0, first);
      String glob = entry.substring(first + 1, last);
      Right.fromWire(entry.substring(last + 1))
          .ifPresent(right -> out.add(new Grant(kind, globToRegex(glob), right)));
    }
    return new Grants(out);
  }

  /** Whether some grant gives {@code right} on the session {@code kind:name}. */
  public boolean allows(String kind, String name, Right right) {
    for (Grant g : grants) {
      if (g.kind().equals(kind) && g.right().includes(right) && g.name().matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the holder may use the operator API: a {@code node} grant with the {@code admin} right
   * whose glob matches every node name. By the glob rules above that is a glob of {@code *} only
   * ({@code node:*:admin}); {@code node:?:admin} or {@code node:a*:admin} name some nodes, not all,
   * and are refused.
   */
  public boolean isAdmin() {
    for (Grant g : grants) {
      if (g.kind().equals("node")
          && g.right().includes(Right.ADMIN)
          && MATCHES_EVERYTHING.matcher(g.name().pattern()).matches()) {
        return true;
      }
    }
    return false;
  }

  // the regex a glob of stars only becomes (globToRegex): matches every string, the empty one too
  private static final Pattern MATCHES_EVERYTHING = Pattern.compile("(\\.\\*)+");

  public List<Grant> grants() {
    return grants;
  }

  private static Pattern globToRegex(String glob) {
    StringBuilder re = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char ch : glob.toCharArray()) {
      if (ch == '*' || ch == '?') {
        if (literal.length() > 0) {
          re.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        re.append(ch == '*' ? ".*" : ".");
      } else {
        literal.append(ch);
      }
    }
    if (literal.length() > 0) {
      re.append(Pattern.quote(literal.toString()));
    }
    return Pattern.compile(re.toString());
  }
}
