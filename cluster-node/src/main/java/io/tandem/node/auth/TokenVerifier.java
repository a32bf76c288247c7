package io.tandem.node.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.net.MalformedURLException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.Set;

/**
 * Verifies JWTs with nimbus-jose-jwt: HS256 against the shared secret, RS256/ES256 against an
 * external issuer's JWKS. {@code sub} and {@code exp} are required; with a JWKS URL {@code iss} and
 * {@code aud} must be configured (else {@link #create} refuses) and are checked. The key set is
 * cached, refreshed ahead of its expiry in the background, and outlives an outage of the issuer for
 * a configured time ({@link AuthSettings.Jwks}). Thread-safe; {@link #verify} may block on a key
 * fetch (the first, or after the cache ran out), so callers run it off their event-loop threads
 * (the HTTP API on {@code tandem.auth.verify-dispatcher}, hello on the blocking dispatcher).
 */
public final class TokenVerifier {

  private final ConfigurableJWTProcessor<SecurityContext> hs256;
  private final ConfigurableJWTProcessor<SecurityContext> jwks;

  private TokenVerifier(
      ConfigurableJWTProcessor<SecurityContext> hs256,
      ConfigurableJWTProcessor<SecurityContext> jwks) {
    this.hs256 = hs256;
    this.jwks = jwks;
  }

  /** Builds the verifier; fails when no key source is configured or the secret is too short. */
  public static TokenVerifier create(AuthSettings settings) {
    ConfigurableJWTProcessor<SecurityContext> hs = null;
    ConfigurableJWTProcessor<SecurityContext> ext = null;
    if (settings.hs256Secret().isPresent()) {
      byte[] key = settings.hs256Secret().get().getBytes(StandardCharsets.UTF_8);
      if (key.length < AuthSettings.MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(
            "tandem.auth.hs256-secret must be at least "
                + AuthSettings.MIN_SECRET_BYTES
                + " bytes");
      }
      hs = processor(new ImmutableSecret<>(key), Set.of(JWSAlgorithm.HS256), settings);
    }
    if (settings.jwksUrl().isPresent()) {
      if (settings.issuer().isEmpty() || settings.audience().isEmpty()) {
        // without them any token the issuer signs for any other application would be accepted
        throw new IllegalArgumentException(
            "tandem.auth.jwks-url needs tandem.auth.issuer and tandem.auth.audience"
                + " (TANDEM_AUTH_ISSUER, TANDEM_AUTH_AUDIENCE)");
      }
      java.net.URL url;
      try {
        url = URI.create(settings.jwksUrl().get()).toURL();
      } catch (MalformedURLException | IllegalArgumentException e) {
        throw new IllegalArgumentException("tandem.auth.jwks-url is not a URL", e);
      }
      AuthSettings.Jwks j = settings.jwks();
      int timeout = (int) j.httpTimeout().toMillis();
      JWKSource<SecurityContext> source =
          JWKSourceBuilder.<SecurityContext>create(
                  url,
                  new DefaultResourceRetriever(
                      timeout, timeout, JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT))
              // a caller waits for another's fetch as long as a fetch and its one retry take
              .cache(j.cacheTtl().toMillis(), 2L * timeout)
              .refreshAheadCache(j.refreshAhead().toMillis(), true)
              .outageTolerant(j.outageTolerance().toMillis())
              // nimbus's 30 s between fetches, or less for a short cache
              .rateLimited(
                  Math.min(
                      JWKSourceBuilder.DEFAULT_RATE_LIMIT_MIN_INTERVAL,
                      Math.max(1, j.cacheTtl().toMillis() / 3)))
              .retrying(true)
              .build();
      ext = processor(source, Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), settings);
    }
    if (hs == null && ext == null) {
      throw new IllegalArgumentException(
          "no token key configured: set TANDEM_AUTH_HS256_SECRET or TANDEM_AUTH_JWKS_URL");
    }
    return new TokenVerifier(hs, ext);
  }

  private static ConfigurableJWTProcessor<SecurityContext> processor(
      JWKSource<SecurityContext> keys, Set<JWSAlgorithm> algorithms, AuthSettings settings) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    p.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, keys));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    settings.issuer().ifPresent(exact::issuer);
    DefaultJWTClaimsVerifier<SecurityContext> claims =
        new DefaultJWTClaimsVerifier<>(
            settings.audience().orElse(null), exact.build(), new HashSet<>(Set.of("sub", "exp")));
    claims.setMaxClockSkew((int) settings.clockSkew().toSeconds());
    p.setJWTClaimsSetVerifier(claims);
    return p;
  }

  /**
   * Whether verifying {@code token} may wait for the external issuer's keys (a JWKS is configured
   * and the token is not HS256). HS256 tokens and garbage are verified at CPU speed.
   */
  public boolean mayFetchKeys(String token) {
    if (jwks == null) {
      return false;
    }
    try {
      return !JWSAlgorithm.HS256.equals(
          com.nimbusds.jose.JWSObject.parse(token).getHeader().getAlgorithm());
    } catch (ParseException | RuntimeException e) {
      return false;
    }
  }

  /** Verifies the token and returns its principal, or throws with a client-safe reason. */
  public Principal verify(String token) throws AuthException {
    if (token == null || token.isBlank()) {
      throw new AuthException("missing token");
    }
    JWTClaimsSet claims = null;
    Exception last = null;
    for (ConfigurableJWTProcessor<SecurityContext> p :
        new ConfigurableJWTProcessor[] {hs256, jwks}) {
      if (p == null) {
        continue;
      }
      try {
        claims = p.process(token, null);
        break;
      } catch (ParseException | BadJOSEException | JOSEException e) {
        last = e;
      }
    }
    if (claims == null) {
      String why = last == null ? "invalid token" : last.getMessage();
      throw new AuthException("invalid token: " + why);
    }
    Object scope = claims.getClaim("scope");
    return new Principal(
        claims.getSubject(),
        Grants.parse(scope instanceof String s ? s : null),
        claims.getExpirationTime().toInstant());
  }
}
