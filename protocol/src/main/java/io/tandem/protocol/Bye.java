package io.tandem.protocol;

/**
 * {@code bye}: the server is about to close the connection, e.g. {@code reason: "draining"} before
 * close 1012.
 *
 * @param reason why, or null (omitted)
 */
public record Bye(String reason) implements ServerFrame {

  /** The reason sent when a node leaves the cluster. */
  public static final String DRAINING = "draining";

  @Override
  public FrameType frameType() {
    return FrameType.BYE;
  }
}
