package io.tandem.node.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where the node serves HTTP and WebSocket, and the HTTP API's limits, read once from {@code
 * tandem.http}.
 *
 * @param defaultPageSize rows of {@code GET /v1/sessions} without {@code limit}
 * @param maxPageSize the largest {@code limit}
 * @param listScanRows index rows one listing request reads at most
 * @param requestsPerSecond sustained authenticated requests per principal (0: no limit)
 * @param requestBurst requests a principal may make at once beyond the rate
 * @param uploadTimeout how long an upload's body may take to arrive (then 408)
 * @param deleteTimeout how long {@code DELETE /v1/sessions/{session}} waits for the history's
 *     removal (then 503; the removal goes on, and a repeated DELETE is harmless)
 * @param devTokenDefaultTtl the lifetime of a dev token ({@code POST /v1/dev/token}) that names no
 *     {@code ttlSeconds}
 * @param bindTimeout how long a starting node waits for its HTTP port to be bound (then it fails)
 * @param transport what serves the port: {@code pekko} (Pekko HTTP) or {@code netty} (WebSockets on
 *     Netty's event loops, every other request to the same routes)
 * @param nettyEventLoops Netty's event-loop threads (0: one per core)
 */
public record HttpSettings(
    String host,
    int port,
    Duration askTimeout,
    int defaultPageSize,
    int maxPageSize,
    int listScanRows,
    double requestsPerSecond,
    int requestBurst,
    Duration uploadTimeout,
    Duration deleteTimeout,
    Duration devTokenDefaultTtl,
    Duration bindTimeout,
    String transport,
    int nettyEventLoops,
    boolean nettyActorsOnEventLoops) {

  /** Whether Netty serves the port. */
  public boolean netty() {
    return transport.equals("netty");
  }

  public static HttpSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.http");
    HttpSettings s =
        new HttpSettings(
            c.getString("host"),
            c.getInt("port"),
            c.getDuration("ask-timeout"),
            c.getInt("default-page-size"),
            c.getInt("max-page-size"),
            c.getInt("list-scan-rows"),
            c.getDouble("rate-limit.requests-per-second"),
            c.getInt("rate-limit.burst"),
            c.getDuration("upload-timeout"),
            c.getDuration("delete-timeout"),
            c.getDuration("dev-token-default-ttl"),
            c.getDuration("bind-timeout"),
            c.getString("transport"),
            c.getInt("netty-event-loops"),
            c.getBoolean("netty-actors-on-event-loops"));
    if (s.defaultPageSize < 1 || s.maxPageSize < s.defaultPageSize || s.listScanRows < 1) {
      throw new IllegalArgumentException(
          "tandem.http: 1 <= default-page-size <= max-page-size, list-scan-rows >= 1");
    }
    if (!s.transport.equals("pekko") && !s.transport.equals("netty")) {
      throw new IllegalArgumentException(
          "tandem.http.transport must be pekko or netty, not " + s.transport);
    }
    return s;
  }
}
