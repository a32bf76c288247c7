package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code error}: a request or frame was refused (protocol section 7). Payload {@code {code,
 * message}}.
 *
 * @param ref the offending frame's ref, or null
 * @param session the offending frame's session as it was sent (possibly invalid), or null
 * @param code the error code
 * @param message a message for humans, or null (omitted)
 */
public record ErrorFrame(Long ref, String session, ErrorCode code, String message)
    implements ServerFrame {

  /** Checks the code is present. */
  public ErrorFrame {
    Objects.requireNonNull(code, "code");
  }

  /** The error frame reporting a decode failure. */
  public static ErrorFrame of(ProtocolError error) {
    return new ErrorFrame(error.ref(), error.session(), error.code(), error.message());
  }

  @Override
  public FrameType frameType() {
    return FrameType.ERROR;
  }
}
