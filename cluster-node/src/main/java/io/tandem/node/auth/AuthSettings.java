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
    Duration devTokenMaxTtl,
    Jwks jwks) {

  /**
   * How the external issuer's key set is fetched and cached (nimbus {@code JWKSourceBuilder}): kept
   * {@code cacheTtl}, fetched again {@code refreshAhead} before it expires (in the background, so
   * no verification waits for it), each fetch given {@code httpTimeout} to connect and to read,
   * and, when the issuer cannot be reached, the last key set used for up to {@code outageTolerance}
   * after it expired.
   */
  public record Jwks(
      Duration cacheTtl, Duration refreshAhead, Duration httpTimeout, Duration outageTolerance) {
    /** nimbus's own defaults (5 min, 30 s), 2 s per fetch, an hour of outage. */
    public static final Jwks DEFAULTS =
        new Jwks(
            Duration.ofMinutes(5),
            Duration.ofSeconds(30),
            Duration.ofSeconds(2),
            Duration.ofHours(1));
  }

  /** Settings with the default JWKS caching (tests). */
  public AuthSettings(
      Optional<String> hs256Secret,
      Optional<String> jwksUrl,
      Optional<String> issuer,
      Optional<String> audience,
      Duration clockSkew,
      Duration devTokenMaxTtl) {
    this(hs256Secret, jwksUrl, issuer, audience, clockSkew, devTokenMaxTtl, Jwks.DEFAULTS);
  }

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
        c.getDuration("dev-token-max-ttl"),
        new Jwks(
            c.getDuration("jwks-cache-ttl"),
            c.getDuration("jwks-refresh-ahead"),
            c.getDuration("jwks-http-timeout"),
            c.getDuration("jwks-outage-tolerance")));
  }

  public AuthSettings withHs256Secret(String secret) {
    return new AuthSettings(
        Optional.of(secret), jwksUrl, issuer, audience, clockSkew, devTokenMaxTtl, jwks);
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }
}
