package io.tandem.protocol;

import java.util.Optional;

/**
 * WebSocket close codes the server uses (protocol section 3), with whether a client should
 * reconnect. This is the one table of close codes that server and clients share.
 *
 * <table>
 *   <caption>Close codes</caption>
 *   <tr><th>constant</th><th>code</th><th>when</th><th>client reconnects?</th></tr>
 *   <tr><td>{@link #NORMAL}</td><td>1000</td><td>orderly close, usually asked for by the
 *       client</td><td>no</td></tr>
 *   <tr><td>{@link #GOING_AWAY}</td><td>1001</td><td>no frame from the client for 3
 *       heartbeats</td><td>yes, at once, then resume with {@code since}</td></tr>
 *   <tr><td>{@link #MALFORMED}</td><td>1008</td><td>more than 20 malformed frames within 10
 *       s</td><td>no: the client is broken; fix it first</td></tr>
 *   <tr><td>{@link #TOO_BIG}</td><td>1009</td><td>a frame above {@code maxFrameBytes}</td>
 *       <td>no, not automatically: resending the same frame fails again</td></tr>
 *   <tr><td>{@link #INTERNAL}</td><td>1011</td><td>internal server error</td>
 *       <td>yes, with backoff</td></tr>
 *   <tr><td>{@link #DRAINING}</td><td>1012</td><td>the node leaves the cluster (after
 *       {@code bye{reason:"draining"}})</td><td>yes, at once, to any node, then resume</td></tr>
 *   <tr><td>{@link #UNAUTHORIZED}</td><td>4401</td><td>invalid or expired token</td>
 *       <td>only with a new token</td></tr>
 *   <tr><td>{@link #FORBIDDEN}</td><td>4403</td><td>the connection is not allowed at all</td>
 *       <td>no</td></tr>
 *   <tr><td>{@link #HELLO_TIMEOUT}</td><td>4408</td><td>no {@code hello} within 5 s</td>
 *       <td>yes, sending {@code hello} first</td></tr>
 *   <tr><td>{@link #RATE_LIMITED}</td><td>4429</td><td>rate limit exceeded for too long</td>
 *       <td>yes, after a backoff, sending less</td></tr>
 * </table>
 */
public enum CloseCode {
  /** Orderly close. Do not reconnect. */
  NORMAL(1000, false),
  /** Heartbeat timeout: no frame from the client for 3 heartbeats. Reconnect and resume. */
  GOING_AWAY(1001, true),
  /** Too many malformed frames. Do not reconnect automatically. */
  MALFORMED(1008, false),
  /** A frame too big. Do not reconnect automatically. */
  TOO_BIG(1009, false),
  /** Internal error. Reconnect with backoff. */
  INTERNAL(1011, true),
  /** Node draining or restarting. Reconnect to any node and resume. */
  DRAINING(1012, true),
  /** Invalid or expired token. Reconnect only with a new token. */
  UNAUTHORIZED(4401, false),
  /** Not allowed. Do not reconnect. */
  FORBIDDEN(4403, false),
  /** No {@code hello} within 5 s. Reconnect and send {@code hello} first. */
  HELLO_TIMEOUT(4408, true),
  /** Rate limit exceeded for too long. Reconnect after a backoff. */
  RATE_LIMITED(4429, true);

  private final int code;
  private final boolean reconnect;

  CloseCode(int code, boolean reconnect) {
    this.code = code;
    this.reconnect = reconnect;
  }

  /** The numeric WebSocket close code. */
  public int code() {
    return code;
  }

  /**
   * Whether a client should reconnect on its own after this close (with backoff where the table
   * says so). {@link #UNAUTHORIZED} is false: only a client holding a new token reconnects.
   */
  public boolean shouldReconnect() {
    return reconnect;
  }

  /** The close code with this number, or empty. */
  public static Optional<CloseCode> fromCode(int code) {
    for (CloseCode c : values()) {
      if (c.code == code) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
