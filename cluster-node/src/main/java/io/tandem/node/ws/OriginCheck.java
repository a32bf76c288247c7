package io.tandem.node.ws;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which browser pages may open a WebSocket to the node (cross-site WebSocket hijacking: a browser
 * sends a page's cookies and reaches loopback and intranet nodes from any site). Decided on the
 * upgrade request's {@code Origin} header, before the upgrade:
 *
 * <ul>
 *   <li>no {@code Origin}: allowed (not a browser: CLI clients, producers, headsets' native apps);
 *   <li>with no configured list: the node's own origin, the one whose host and port are the
 *       request's {@code Host}: allowed (the pages the node serves itself);
 *   <li>with a configured list ({@code tandem.ws.allowed-origins}): exactly those origins (a list
 *       also shuts out DNS-rebinding pages, whose {@code Host} matches their own origin);
 *   <li>in dev mode, any {@code http}/{@code https} origin on a loopback host ({@code localhost},
 *       {@code 127.0.0.1}, {@code [::1]}), any port: allowed (a dev server of the web client);
 *   <li>everything else, {@code Origin: null} included: refused.
 * </ul>
 *
 * Pure and immutable.
 */
public final class OriginCheck {
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]", "::1");

  private final List<String> allowed;
  private final boolean devMode;

  /**
   * @param allowed origins allowed besides the node's own ({@code scheme://host[:port]}, compared
   *     without case and without a trailing slash)
   * @param devMode whether loopback origins are allowed
   */
  public OriginCheck(List<String> allowed, boolean devMode) {
    this.allowed = allowed.stream().map(OriginCheck::normalise).toList();
    this.devMode = devMode;
  }

  /**
   * Why the upgrade is refused, or empty when it may go on.
   *
   * @param origin the {@code Origin} header, if any
   * @param host the request's {@code Host} header ({@code host[:port]}), if any
   */
  public Optional<String> refusal(Optional<String> origin, Optional<String> host) {
    if (origin.isEmpty()) {
      return Optional.empty();
    }
    String o = normalise(origin.get());
    if (o.equals("null") || o.isEmpty()) {
      return Optional.of("an opaque Origin (null) may not open a WebSocket here");
    }
    if (allowed.contains(o)) {
      return Optional.empty();
    }
    URI uri;
    try {
      uri = new URI(o);
    } catch (java.net.URISyntaxException e) {
      return Optional.of("the Origin is not an origin");
    }
    String scheme = uri.getScheme();
    if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
      return Optional.of("the Origin is not an http(s) origin");
    }
    String authority = uri.getRawAuthority();
    if (allowed.isEmpty() && host.isPresent() && sameAuthority(authority, host.get(), scheme)) {
      return Optional.empty();
    }
    if (devMode && LOOPBACK.contains(uri.getHost())) {
      return Optional.empty();
    }
    return Optional.of("Origin " + abbreviate(origin.get()) + " is not allowed");
  }

  /** The same host and port, a missing port being the scheme's default. */
  private static boolean sameAuthority(String originAuthority, String host, String scheme) {
    String defaultPort = "https".equals(scheme) ? ":443" : ":80";
    String a = originAuthority.toLowerCase(Locale.ROOT);
    String h = host.trim().toLowerCase(Locale.ROOT);
    return withPort(a, defaultPort).equals(withPort(h, defaultPort));
  }

  private static String withPort(String authority, String defaultPort) {
    int bracket = authority.lastIndexOf(']');
    int colon = authority.lastIndexOf(':');
    return colon > bracket ? authority : authority + defaultPort;
  }

  private static String normalise(String origin) {
    String o = origin.trim().toLowerCase(Locale.ROOT);
    return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
  }

  private static String abbreviate(String s) {
    String clean = s.replaceAll("[^\\x20-\\x7e]", "?").replace("\"", "'").replace("\\", "/");
    return clean.length() <= 100 ? clean : clean.substring(0, 100) + "...";
  }
}
