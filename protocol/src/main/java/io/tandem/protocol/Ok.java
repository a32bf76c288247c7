package io.tandem.protocol;

/**
 * {@code ok}: a request succeeded.
 *
 * @param ref the request's ref, or null
 * @param session the request's session, or null (omitted)
 * @param seq the new seq when the request made a durable change, or null (omitted)
 */
public record Ok(Long ref, SessionId session, Long seq) implements ServerFrame {

  @Override
  public FrameType frameType() {
    return FrameType.OK;
  }
}
