package io.tandem.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * {@code poses}: one tick of XR poses, the latest pose of each member whose pose changed.
 *
 * <p>Tandem addition: {@code objects} holds the live transforms of held objects that moved during
 * the tick (moves by XR clients, ephemeral until their release), shaped like a {@code delta}'s
 * objects; omitted when none moved.
 *
 * @param session the room
 * @param tick the room's tick number
 * @param poses member id to its latest pose; insertion order is kept
 * @param objects object id to its live state, or null (omitted)
 */
public record Poses(
    SessionId session, long tick, Map<String, PoseData> poses, Map<String, ObjectState> objects)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public Poses {
    Objects.requireNonNull(session, "session");
    poses = Values.map(Objects.requireNonNull(poses, "poses"), "poses");
    objects = objects == null || objects.isEmpty() ? null : Values.map(objects, "objects");
  }

  /** A tick with poses only. */
  public Poses(SessionId session, long tick, Map<String, PoseData> poses) {
    this(session, tick, poses, null);
  }

  @Override
  public FrameType frameType() {
    return FrameType.POSES;
  }
}
