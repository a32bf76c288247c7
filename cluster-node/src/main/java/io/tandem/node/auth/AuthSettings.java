package io.tandem.node.auth;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/**
 * How tokens are verified, read once from {@code tandem.auth}: an HS256 shared secret, an external
 * issuer's JWKS, or both.
 */
public record AuthSettings(
    Optional<String> hs256Secret,
    Optional<String> jwksUrl,
    Optional<String> issuer,
    Optional<String> audience,
    Duration clockSkew,
    Duration devTokenMaxTtl) {

  /** HS256 keys shorter than this are refused (RFC 7518 section 3.2). */
  public static final int MIN_SECRET_BYTES = 32;

  public static AuthSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.auth");
    return new AuthSettings(
        nonEmpty(c.getString("hs256-secret")),
        nonEmpty(c.getString("jwks-url")),
        nonEmpty(c.getString("issuer")),
        nonEmpty(c.getString("audience")),
        c.getDuration("clock-skew"),
        c.getDuration("dev-token-max-ttl"));
  }

  public AuthSettings withHs256Secret(String secret) {
    return new AuthSettings(
        Optional.of(secret), jwksUrl, issuer, audience, clockSkew, devTokenMaxTtl);
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }
}
