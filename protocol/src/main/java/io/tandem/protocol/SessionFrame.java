package io.tandem.protocol;

/**
 * A frame that is about one session: its envelope always carries a valid {@code session}. Every
 * frame type whose {@link FrameType#session()} is {@link FrameType.SessionRule#REQUIRED} implements
 * this. ({@link Ok} may carry a session but need not, and {@link ErrorFrame} echoes a raw, possibly
 * invalid, string; neither implements it.)
 */
public interface SessionFrame {

  /** The session this frame is about; never null. */
  SessionId session();
}
