package io.tandem.protocol;

import java.util.Map;
import java.util.Objects;

/**
 * {@code poses}: one tick of XR poses, the latest pose of each member whose pose changed.
 *
 * @param session the room
 * @param tick the room's tick number
 * @param poses member id to its latest pose; insertion order is kept
 */
public record Poses(SessionId session, long tick, Map<String, PoseData> poses)
    implements ServerFrame, SessionFrame {

  /** Checks the invariants and copies. */
  public Poses {
    Objects.requireNonNull(session, "session");
    poses = Values.map(Objects.requireNonNull(poses, "poses"), "poses");
  }

  @Override
  public FrameType frameType() {
    return FrameType.POSES;
  }
}
