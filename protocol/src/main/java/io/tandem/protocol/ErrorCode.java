package io.tandem.protocol;

import java.util.Optional;

/**
 * The {@code code} of an {@code error} frame (protocol section 7). This is the one table of error
 * codes that server and clients share.
 *
 * <table>
 *   <caption>Error codes</caption>
 *   <tr><th>constant</th><th>wire</th><th>meaning</th><th>malformed</th></tr>
 *   <tr><td>{@link #BAD_FRAME}</td><td>{@code bad_frame}</td>
 *       <td>not decodable, missing key, wrong type, bad value</td><td>yes</td></tr>
 *   <tr><td>{@link #UNSUPPORTED_VERSION}</td><td>{@code unsupported_version}</td>
 *       <td>{@code version} is an integer other than 1</td><td>yes</td></tr>
 *   <tr><td>{@link #UNKNOWN_TYPE}</td><td>{@code unknown_type}</td>
 *       <td>{@code type} is not a frame type of that direction</td><td>yes</td></tr>
 *   <tr><td>{@link #UNAUTHORIZED}</td><td>{@code unauthorized}</td>
 *       <td>no, invalid or expired token (followed by close 4401)</td><td>no</td></tr>
 *   <tr><td>{@link #FORBIDDEN}</td><td>{@code forbidden}</td>
 *       <td>the token does not grant the right the frame needs</td><td>no</td></tr>
 *   <tr><td>{@link #NOT_JOINED}</td><td>{@code not_joined}</td>
 *       <td>a session frame for a session this connection has not joined</td><td>no</td></tr>
 *   <tr><td>{@link #NOT_FOUND}</td><td>{@code not_found}</td>
 *       <td>the session (or object) never existed</td><td>no</td></tr>
 *   <tr><td>{@link #INVALID_SESSION}</td><td>{@code invalid_session}</td>
 *       <td>{@code session} is not {@code room:<name>} or {@code recording:<name>}, or the kind
 *       does not fit the frame</td><td>no</td></tr>
 *   <tr><td>{@link #NOT_OWNER}</td><td>{@code not_owner}</td>
 *       <td>{@code move} or {@code release} of an object the sender does not hold</td>
 *       <td>no</td></tr>
 *   <tr><td>{@link #TOO_BIG}</td><td>{@code too_big}</td>
 *       <td>the frame (or a value in it) exceeds a size limit</td><td>no</td></tr>
 *   <tr><td>{@link #RATE_LIMITED}</td><td>{@code rate_limited}</td>
 *       <td>too many frames per second; the frame was dropped</td><td>no</td></tr>
 *   <tr><td>{@link #CONFLICT}</td><td>{@code conflict}</td>
 *       <td>the change conflicts with the session's state (object held by someone else, publish
 *       after end)</td><td>no</td></tr>
 *   <tr><td>{@link #UNAVAILABLE}</td><td>{@code unavailable}</td>
 *       <td>the session is temporarily unreachable; retry</td><td>no</td></tr>
 *   <tr><td>{@link #INTERNAL}</td><td>{@code internal}</td>
 *       <td>a bug or unexpected failure on the server</td><td>no</td></tr>
 * </table>
 *
 * <p>Frames answered with a code whose {@link #malformed()} is true count towards the 1008 rule
 * (more than 20 within 10 s close the connection with {@link CloseCode#MALFORMED}).
 */
public enum ErrorCode {
  /** Not decodable, missing key, wrong type or bad value. */
  BAD_FRAME("bad_frame", true),
  /** {@code version} is an integer other than 1. */
  UNSUPPORTED_VERSION("unsupported_version", true),
  /** {@code type} is not a known frame type for that direction. */
  UNKNOWN_TYPE("unknown_type", true),
  /** Invalid or expired token. */
  UNAUTHORIZED("unauthorized", false),
  /** A right the frame needs is not granted. */
  FORBIDDEN("forbidden", false),
  /** A session frame for a session the connection has not joined. */
  NOT_JOINED("not_joined", false),
  /** The session never existed. */
  NOT_FOUND("not_found", false),
  /** The session id does not parse, or its kind does not fit the frame. */
  INVALID_SESSION("invalid_session", false),
  /** The sender does not hold the object. */
  NOT_OWNER("not_owner", false),
  /** A size limit was exceeded. */
  TOO_BIG("too_big", false),
  /** Too many frames; this one was dropped. */
  RATE_LIMITED("rate_limited", false),
  /** The change conflicts with the current state. */
  CONFLICT("conflict", false),
  /** The session is temporarily unreachable; retry. */
  UNAVAILABLE("unavailable", false),
  /** Unexpected server failure. */
  INTERNAL("internal", false);

  private final String wire;
  private final boolean malformed;

  ErrorCode(String wire, boolean malformed) {
    this.wire = wire;
    this.malformed = malformed;
  }

  /** The wire name, e.g. {@code bad_frame}. */
  public String wire() {
    return wire;
  }

  /** True when a frame answered with this code counts as malformed for the 1008 rule. */
  public boolean malformed() {
    return malformed;
  }

  /** The code with this wire name, or empty. */
  public static Optional<ErrorCode> fromWire(String wire) {
    for (ErrorCode c : values()) {
      if (c.wire.equals(wire)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
