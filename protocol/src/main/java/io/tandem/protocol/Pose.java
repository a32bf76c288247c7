package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code pose}: an XR client's latest pose in a room; payload {@code {t, head, left, right}}. Never
 * acknowledged.
 *
 * @param ref request reference, or null
 * @param session the room
 * @param pose the pose
 */
public record Pose(Long ref, SessionId session, PoseData pose)
    implements ClientFrame, SessionFrame {

  /** Checks the invariants. */
  public Pose {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(pose, "pose");
  }

  @Override
  public FrameType frameType() {
    return FrameType.POSE;
  }
}
