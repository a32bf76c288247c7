package io.tandem.protocol;

import java.util.Objects;

/**
 * {@code hello}: the first frame of a connection, authenticating it (protocol section 3).
 *
 * @param ref request reference, or null
 * @param token the bearer token (a JWT)
 * @param client what the client says about itself; null becomes {@link ClientInfo#unspecified()}
 */
public record Hello(Long ref, String token, ClientInfo client) implements ClientFrame {

  /** Checks the token is present and defaults the client info. */
  public Hello {
    Objects.requireNonNull(token, "token");
    if (client == null) {
      client = ClientInfo.unspecified();
    }
  }

  @Override
  public FrameType frameType() {
    return FrameType.HELLO;
  }
}
