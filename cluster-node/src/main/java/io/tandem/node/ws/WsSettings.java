package io.tandem.node.ws;

import com.typesafe.config.Config;
import java.time.Duration;

/** Limits and timings of WebSocket connections, read once from {@code tandem.ws}. */
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
    int maxChangesInFlight) {

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
        c.getInt("max-changes-in-flight"));
  }
}
