package io.tandem.protocol;

import java.util.Locale;
import java.util.Optional;

/** What kind of client a connection is, as it says in {@code hello.payload.client.kind}. */
public enum ClientKind {
  /** A web browser (the default). */
  BROWSER,
  /** An XR headset or app; sends poses. */
  XR,
  /** A producer publishing to recordings. */
  PRODUCER,
  /** An automated client. */
  BOT;

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** The wire name, e.g. {@code browser}. */
  public String wire() {
    return wire;
  }

  /** The kind with this wire name, or empty. */
  public static Optional<ClientKind> fromWire(String wire) {
    for (ClientKind k : values()) {
      if (k.wire.equals(wire)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
