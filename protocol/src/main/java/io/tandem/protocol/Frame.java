package io.tandem.protocol;

/**
 * A protocol frame: the {@code type}, {@code ref}, {@code session} and {@code payload} of the wire
 * envelope (protocol section 2), as an immutable record. {@link ClientFrame}s travel from client to
 * server, {@link ServerFrame}s from server to client; {@link Ping} and {@link Pong} are both.
 *
 * <p>JSON values held by frames ({@code JsonNode} components: presence, doc values, events, state,
 * ping {@code t}) are deep-copied when a record is built and treated as values: the codec never
 * mutates them and callers must not either.
 *
 * <p>{@link FrameCodec} encodes and decodes frames; {@link FrameType} is the table of all types.
 */
public sealed interface Frame permits ClientFrame, ServerFrame {

  /** The row of the frame type table this frame belongs to. */
  FrameType frameType();

  /** The wire type, e.g. {@code join}. */
  default String type() {
    return frameType().wire();
  }

  /**
   * The client's request reference: set by a client on a request, echoed on the direct reply. Null
   * when absent, and always null for frames that never carry one.
   */
  default Long ref() {
    return null;
  }
}
