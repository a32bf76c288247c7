package io.tandem.node.ws;

import com.typesafe.config.Config;
import io.tandem.protocol.FrameLimits;
import java.time.Duration;
import java.util.List;

/**
 * Limits and timings of WebSocket connections, read once from {@code tandem.ws}.
 *
 * @param maxBytesPerSecond the byte-rate bucket's sustained rate per connection (inbound bytes)
 * @param burstBytes the byte-rate bucket's size; at least one largest frame
 * @param frameLimits what one client frame may hold beyond its size (op paths, client names)
 * @param maxConnectionsPerPrincipal open connections one principal may have on this node; past it a
 *     new one is closed with 4429 after its hello
 * @param maxConnectionsPerAddress open connections one source address may have on this node; past
 *     it the upgrade is refused with HTTP 429
 * @param allowedOrigins the {@code Origin}s a browser may open a WebSocket from ({@code
 *     scheme://host[:port]}); empty means the node's own origin (and loopback origins in dev mode)
 * @param xrPingInterval how often an XR client is pinged for its round trip (level of detail)
 * @param poseReportInterval the least time between two poses an XR connection reports to its
 *     participant (which remembers the last one across a reconnect)
 */
public record WsSettings(
    Duration helloTimeout,
    Duration heartbeat,
    int maxFrameBytes,
    long closeFrameBytes,
    int maxFramesPerSecond,
    int burstFrames,
    Duration rateLimitCloseAfter,
    int maxMalformedFrames,
    Duration malformedWindow,
    int maxSessionsPerConnection,
    int outboundMaxFrames,
    long outboundMaxBytes,
    int outboundMaxReplies,
    int maxChangesInFlight,
    long maxBytesPerSecond,
    long burstBytes,
    FrameLimits frameLimits,
    int maxConnectionsPerPrincipal,
    int maxConnectionsPerAddress,
    List<String> allowedOrigins,
    Duration xrPingInterval,
    Duration poseReportInterval) {

  public WsSettings {
    // a frame the codec accepts must fit the bucket, or it could never pass
    burstBytes = Math.max(burstBytes, maxFrameBytes);
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  public static WsSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.ws");
    return new WsSettings(
        c.getDuration("hello-timeout"),
        c.getDuration("heartbeat"),
        c.getInt("max-frame-bytes"),
        c.getBytes("close-frame-bytes"),
        c.getInt("max-frames-per-second"),
        c.getInt("burst-frames"),
        c.getDuration("rate-limit-close-after"),
        c.getInt("max-malformed-frames"),
        c.getDuration("malformed-window"),
        c.getInt("max-sessions-per-connection"),
        c.getInt("outbound-max-frames"),
        c.getBytes("outbound-max-bytes"),
        c.getInt("outbound-max-replies"),
        c.getInt("max-changes-in-flight"),
        c.getBytes("max-bytes-per-second"),
        c.getBytes("burst-bytes"),
        new FrameLimits(
            c.getInt("max-path-segments"),
            c.getInt("max-key-bytes"),
            c.getInt("max-client-name-chars")),
        c.getInt("max-connections-per-principal"),
        c.getInt("max-connections-per-address"),
        origins(c.getString("allowed-origins")),
        c.getDuration("xr-ping-interval"),
        c.getDuration("pose-report-interval"));
  }

  /** A comma-separated list, blanks dropped. */
  static List<String> origins(String list) {
    return java.util.Arrays.stream(list.split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }
}
