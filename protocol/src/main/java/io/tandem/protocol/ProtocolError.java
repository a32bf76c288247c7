package io.tandem.protocol;

import java.util.Objects;

/**
 * Why a frame was refused by the decoder: the code, a message for humans naming the offending key,
 * and the frame's {@code ref} and raw {@code session} when they could be read, so the {@code error}
 * reply can carry them.
 *
 * @param code the error code ({@link ErrorCode#malformed()} tells whether it counts for 1008)
 * @param message for humans
 * @param ref the frame's ref, or null
 * @param session the frame's session string as sent (possibly invalid), or null
 */
public record ProtocolError(ErrorCode code, String message, Long ref, String session) {

  /** Checks the code is present. */
  public ProtocolError {
    Objects.requireNonNull(code, "code");
  }

  /** The {@code error} frame to answer with. */
  public ErrorFrame toFrame() {
    return ErrorFrame.of(this);
  }
}
