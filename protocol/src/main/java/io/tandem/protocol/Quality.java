package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code quality} (Tandem addition): the level of detail the server recommends for the assets this
 * connection loads, from what it sees of the connection's outbound path (queue delay, drain rate)
 * and ping round trips. Sent when the recommendation changes; lowered quickly when the connection
 * struggles and raised again only after it kept up for a while (hysteresis).
 *
 * @param lod {@code "high"} or {@code "low"}
 * @param reason why, for humans, or null (omitted)
 * @param bytesPerSecond the estimated drain rate of the connection, or null (omitted)
 * @param queueDelayMs the delay of the oldest frame still waiting, or null (omitted)
 */
public record Quality(String lod, String reason, Long bytesPerSecond, Long queueDelayMs)
    implements ServerFrame {

  /** Checks the level. */
  public Quality {
    Objects.requireNonNull(lod, "lod");
    if (!lod.equals("high") && !lod.equals("low")) {
      throw new IllegalArgumentException("lod must be high or low");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.QUALITY;
  }
}
