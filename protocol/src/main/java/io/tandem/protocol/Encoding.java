package io.tandem.protocol;

import java.util.List;
import java.util.Optional;

/**
 * How frames are encoded on a WebSocket, chosen with the {@code Sec-WebSocket-Protocol} header
 * (protocol section 1).
 *
 * <ul>
 *   <li>{@link #JSON} ({@code tandem.v1.json}): text frames, one UTF-8 JSON object per frame;
 *       binary fields are base64 strings.
 *   <li>{@link #CBOR} ({@code tandem.v1.cbor}): binary frames, one CBOR map per frame, same data
 *       model and key names; binary fields are CBOR byte strings.
 * </ul>
 */
public enum Encoding {
  /** JSON text frames. */
  JSON("tandem.v1.json"),
  /** CBOR binary frames. */
  CBOR("tandem.v1.cbor");

  private final String subprotocol;

  Encoding(String subprotocol) {
    this.subprotocol = subprotocol;
  }

  /** The WebSocket subprotocol name, e.g. {@code tandem.v1.json}. */
  public String subprotocol() {
    return subprotocol;
  }

  /** The encoding named by a subprotocol, or empty when it is not one of ours. */
  public static Optional<Encoding> fromSubprotocol(String subprotocol) {
    for (Encoding e : values()) {
      if (e.subprotocol.equals(subprotocol)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /**
   * The handshake rule of protocol section 1: no subprotocol offered means {@link #JSON}; otherwise
   * the first offered subprotocol (in the client's order) that is one of ours; empty when the
   * client offered some but none of ours (the handshake is then refused with HTTP 400).
   *
   * @param offered the subprotocols the client offered, in its order (may be empty)
   */
  public static Optional<Encoding> negotiate(List<String> offered) {
    if (offered == null || offered.isEmpty()) {
      return Optional.of(JSON);
    }
    for (String s : offered) {
      Optional<Encoding> e = fromSubprotocol(s == null ? null : s.trim());
      if (e.isPresent()) {
        return e;
      }
    }
    return Optional.empty();
  }
}
