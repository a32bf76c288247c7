package io.tandem.protocol;

/**
 * A frame the decoder refuses. Internal to the codec, never escapes it; carries no stack trace
 * because it is an expected outcome, not a bug.
 */
final class DecodeException extends RuntimeException {

  private final ErrorCode code;
  private final Long ref;
  private final String session;

  DecodeException(ErrorCode code, String message) {
    this(code, message, null, null);
  }

  private DecodeException(ErrorCode code, String message, Long ref, String session) {
    super(message, null, false, false);
    this.code = code;
    this.ref = ref;
    this.session = session;
  }

  static DecodeException badFrame(String message) {
    return new DecodeException(ErrorCode.BAD_FRAME, message);
  }

  ErrorCode code() {
    return code;
  }

  /** The same refusal, attributed to the frame's ref and raw session. */
  DecodeException at(Long ref, String session) {
    return new DecodeException(code, getMessage(), ref, session);
  }

  ProtocolError toError() {
    return new ProtocolError(code, getMessage(), ref, session);
  }
}
