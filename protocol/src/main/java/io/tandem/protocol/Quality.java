package io.tandem.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * {@code quality} (Tandem addition): the level of detail the server recommends for the assets this
 * connection loads, from what it sees of the connection's outbound path (queue delay, drain rate)
 * and ping round trips. Sent when the recommendation changes; lowered quickly when the connection
 * struggles and raised again only after it kept up for a while (hysteresis).
 *
 * <p>Two shapes share the type. Without {@code session} it is the connection's level ({@code lod},
 * with {@code reason}, {@code bytesPerSecond}, {@code queueDelayMs}). With {@code session} (a room)
 * it is the per-room recommendation: {@code lod} is the connection's level and {@code objects} maps
 * every shared object of the room to {@code "high"} or {@code "low"}, in the order of the
 * receiver's gaze (closest to its centre first). The writer also sends that order as an {@code
 * order} array, since some readers (JavaScript objects with integer-like keys) do not keep the
 * order of a map's keys; the reader takes the order of {@code objects} as it comes.
 *
 * @param lod {@code "high"} or {@code "low"}
 * @param reason why, for humans, or null (omitted)
 * @param bytesPerSecond the estimated drain rate of the connection, or null (omitted)
 * @param queueDelayMs the delay of the oldest frame still waiting, or null (omitted)
 * @param session the room of a per-room recommendation, or null (omitted: the connection's level)
 * @param objects object id to its recommended level, in gaze order; null (omitted) without session
 */
public record Quality(
    String lod,
    String reason,
    Long bytesPerSecond,
    Long queueDelayMs,
    SessionId session,
    Map<String, String> objects)
    implements ServerFrame {

  /** Checks the levels and copies the objects, keeping their order. */
  public Quality {
    checkLevel(lod, "lod");
    if (objects != null) {
      if (session == null) {
        throw new IllegalArgumentException("objects need a session");
      }
      objects = Values.map(objects, "objects");
      objects.forEach((id, level) -> checkLevel(level, "objects." + id));
    }
  }

  /** The connection-level recommendation (no session). */
  public Quality(String lod, String reason, Long bytesPerSecond, Long queueDelayMs) {
    this(lod, reason, bytesPerSecond, queueDelayMs, null, null);
  }

  /** A per-room recommendation: the connection's level and each object's, in gaze order. */
  public static Quality forRoom(SessionId room, String lod, Map<String, String> objects) {
    return new Quality(
        lod,
        null,
        null,
        null,
        Objects.requireNonNull(room, "session"),
        Objects.requireNonNull(objects, "objects"));
  }

  private static void checkLevel(String level, String what) {
    Objects.requireNonNull(level, what);
    if (!level.equals("high") && !level.equals("low")) {
      throw new IllegalArgumentException(what + " must be high or low");
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.QUALITY;
  }
}
