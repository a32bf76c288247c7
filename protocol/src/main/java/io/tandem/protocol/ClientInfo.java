package io.tandem.protocol;

/**
 * What a client says about itself in {@code hello.payload.client}. Informational only: identity
 * comes from the token alone.
 *
 * @param name a display name, or null (the server then picks one)
 * @param kind the client kind; null becomes {@link ClientKind#BROWSER}
 * @param device a stable id of the device (Tandem addition, {@code [A-Za-z0-9._-]{1,64}}), or null:
 *     an XR client that sends it keeps its avatar and holds across a reconnect within the grace
 *     period
 */
public record ClientInfo(String name, ClientKind kind, String device) {

  /** Without a device id. */
  public ClientInfo(String name, ClientKind kind) {
    this(name, kind, null);
  }

  /** Defaults a missing kind to {@link ClientKind#BROWSER}. */
  public ClientInfo {
    if (kind == null) {
      kind = ClientKind.BROWSER;
    }
    if (device != null && !device.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("device must match [A-Za-z0-9._-]{1,64}");
    }
  }

  /** No name, {@link ClientKind#BROWSER}: what a {@code hello} without {@code client} means. */
  public static ClientInfo unspecified() {
    return new ClientInfo(null, ClientKind.BROWSER);
  }
}
