package io.tandem.protocol;

/** The wire protocol version this module speaks: the {@code version} key of every frame. */
public final class ProtocolVersion {

  /** Protocol version 1, the only one there is. */
  public static final int CURRENT = 1;

  private ProtocolVersion() {}
}
