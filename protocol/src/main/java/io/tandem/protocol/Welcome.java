package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code welcome}: the answer to a valid {@code hello} (protocol section 3).
 *
 * @param ref the hello's ref, or null
 * @param connection the connection id
 * @param node the address of the node serving the connection
 * @param principal the token's subject
 * @param serverTime the server's time, epoch ms
 * @param heartbeatMs the heartbeat interval; a connection silent for 3 of them is closed
 * @param limits the connection's limits
 */
public record Welcome(
    Long ref,
    String connection,
    String node,
    String principal,
    long serverTime,
    long heartbeatMs,
    WelcomeLimits limits)
    implements ServerFrame {

  /** Checks the invariants. */
  public Welcome {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(principal, "principal");
    Objects.requireNonNull(limits, "limits");
  }

  @Override
  public FrameType frameType() {
    return FrameType.WELCOME;
  }
}
