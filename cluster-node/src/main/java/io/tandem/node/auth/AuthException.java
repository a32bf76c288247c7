package io.tandem.node.auth;

/** A token that cannot be accepted; the message is safe to show to the client. */
public final class AuthException extends Exception {
  public AuthException(String message) {
    super(message);
  }

  public AuthException(String message, Throwable cause) {
    super(message, cause);
  }
}
