package io.tandem.node.auth;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/**
 * Signed links ({@code POST /v1/links}), read once from {@code tandem.links}: an own key (else one
 * derived from the HS256 secret), the longest lifetime of a link, and the public base URL that
 * links start with (else the one the request came in on), and the lifetime of a link that names no
 * {@code ttlSeconds}.
 */
public record LinkSettings(
    Optional<String> secret, Duration maxTtl, Optional<String> baseUrl, Duration defaultTtl) {

  /**
   * Settings whose links live 10 minutes unless they say otherwise (the default of tandem.conf).
   */
  public LinkSettings(Optional<String> secret, Duration maxTtl, Optional<String> baseUrl) {
    this(secret, maxTtl, baseUrl, Duration.ofMinutes(10));
  }

  public static LinkSettings fromConfig(Config root) {
    Config c = root.getConfig("tandem.links");
    return new LinkSettings(
        nonEmpty(c.getString("secret")),
        c.getDuration("max-ttl"),
        nonEmpty(c.getString("base-url")).map(u -> u.replaceAll("/+$", "")),
        c.getDuration("default-ttl"));
  }

  private static Optional<String> nonEmpty(String s) {
    return s == null || s.isBlank() ? Optional.empty() : Optional.of(s);
  }
}
