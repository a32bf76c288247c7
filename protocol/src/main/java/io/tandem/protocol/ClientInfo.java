package io.tandem.protocol;

/**
 * What a client says about itself in {@code hello.payload.client}. Informational only: identity
 * comes from the token alone.
 *
 * @param name a display name, or null (the server then picks one)
 * @param kind the client kind; null becomes {@link ClientKind#BROWSER}
 */
public record ClientInfo(String name, ClientKind kind) {

  /** Defaults a missing kind to {@link ClientKind#BROWSER}. */
  public ClientInfo {
    if (kind == null) {
      kind = ClientKind.BROWSER;
    }
  }

  /** No name, {@link ClientKind#BROWSER}: what a {@code hello} without {@code client} means. */
  public static ClientInfo unspecified() {
    return new ClientInfo(null, ClientKind.BROWSER);
  }
}
