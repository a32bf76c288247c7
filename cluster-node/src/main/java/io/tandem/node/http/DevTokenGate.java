package io.tandem.node.http;

import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may get a dev token ({@code POST /v1/dev/token}, dev mode only): a caller on this machine,
 * asking this node by a loopback name, from no web page or from the node's own pages. Each rule
 * closes a hole of its own:
 *
 * <ul>
 *   <li>the connection's peer address (the socket's, never {@code X-Forwarded-For} or {@code
 *       X-Real-IP}, which any client can write) is a loopback address;
 *   <li>the {@code Host} is {@code localhost} or a loopback IP literal (names are never resolved):
 *       a DNS-rebound page on {@code evil.example} that reaches 127.0.0.1 still sends its own host;
 *   <li>an {@code Origin}, when present, is the node's own: {@code http://} plus that same {@code
 *       Host} ({@code null} and every other origin are refused), and {@code Sec-Fetch-Site}, when
 *       present, is {@code same-origin} or {@code none};
 *   <li>the body is {@code application/json}: a cross-site page can only send the "simple" types
 *       (form, multipart, text/plain) without a CORS preflight, which this node never grants.
 * </ul>
 */
final class DevTokenGate {
  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^:\\[\\]]+)(:\\d{1,5})?");

  private DevTokenGate() {}

  /** Why the request is refused, or empty when it may have a token. */
  static Optional<String> refusal(
      Optional<InetAddress> peer,
      Optional<String> host,
      Optional<String> origin,
      Optional<String> secFetchSite,
      String mediaType) {
    if (peer.isEmpty() || !peer.get().isLoopbackAddress()) {
      return Optional.of("dev tokens only for loopback callers");
    }
    if (host.isEmpty() || !isLoopbackHost(host.get())) {
      return Optional.of("dev tokens only for a loopback Host (localhost, 127.0.0.1, [::1])");
    }
    if (origin.isPresent() && !origin.get().equalsIgnoreCase("http://" + host.get())) {
      return Optional.of("dev tokens only for this node's own pages (Origin " + origin.get() + ")");
    }
    if (secFetchSite.isPresent()
        && !secFetchSite.get().equalsIgnoreCase("same-origin")
        && !secFetchSite.get().equalsIgnoreCase("none")) {
      return Optional.of("dev tokens only for this node's own pages (Sec-Fetch-Site)");
    }
    // a script (curl, a load generator) sends neither header: only a browser can be made to post
    boolean browser = origin.isPresent() || secFetchSite.isPresent();
    if (browser && !mediaType.equalsIgnoreCase("application/json")) {
      return Optional.of("the body must be Content-Type: application/json");
    }
    return Optional.empty();
  }

  /** Whether a {@code Host} header names this machine: localhost or a loopback IP literal. */
  static boolean isLoopbackHost(String hostHeader) {
    var m = HOST_PORT.matcher(hostHeader.trim());
    if (!m.matches()) {
      return false;
    }
    String name = m.group(1).toLowerCase(Locale.ROOT);
    if (name.equals("localhost")) {
      return true;
    }
    if (name.startsWith("[")) {
      return name.equals("[::1]") || name.equals("[0:0:0:0:0:0:0:1]");
    }
    // an IPv4 literal only: never resolve a name
    if (!name.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return false;
    }
    try {
      return InetAddress.getByName(name).isLoopbackAddress();
    } catch (java.net.UnknownHostException e) {
      return false;
    }
  }
}
